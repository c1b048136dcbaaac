//! The report: verdict, facts, probe and remedies; serialisable and printable.

use std::fmt;

use serde::Serialize;

use crate::drive::DriveOutcome;
use crate::inspect::Interpreter;
use crate::probe::{Outcome, ProbeResult};
use crate::remedy::{Fix, Remedy, RemedyStatus};
use crate::runtime::{Runtime, Safety};
use crate::vendored::VendoredRuntime;

/// Everything `seispool doctor` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The interpreter and its imports.
    pub interpreter: Interpreter,
    /// Thread runtimes loaded after the imports, most hazardous first.
    pub runtimes: Vec<Runtime>,
    /// Runtimes that installed packages bring (static scan of site-packages).
    pub vendored: Vec<VendoredRuntime>,
    /// The bottom line.
    pub verdict: Verdict,
    /// The probe, when it ran.
    pub probe: Option<ProbeResult>,
    /// Fitting remedies and whether the probe confirmed them.
    pub remedies: Vec<Remedy>,
}

/// The bottom line: is `multiprocessing` with this interpreter's default start method safe here?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Overall level, taking the start method and the probe into account.
    pub level: Safety,
    /// The worst fork safety among the loaded runtimes.
    pub predicted: Safety,
    /// What the probe observed, when it ran.
    pub observed: Option<Outcome>,
    /// The runtime(s) to blame, with the package that brought each: those the probe caught hanging or
    /// crashing, else those predicted least safe.
    pub runtime: Option<String>,
    /// The verified remedy to use, when one was verified.
    pub remedy: Option<String>,
    /// One sentence.
    pub summary: String,
}

/// Decides the verdict from the runtimes, the default start method, the probe and the remedies verified.
pub(crate) fn decide(
    interp: &Interpreter,
    runtimes: &[Runtime],
    probe: Option<&ProbeResult>,
    remedies: &[Remedy],
) -> Verdict {
    let predicted = runtimes.iter().map(|r| r.fork_safety).max().unwrap_or(Safety::Safe);
    let observed = probe.map(|p| p.outcome);
    let caught = |r: &&Runtime| matches!(r.probe, Some(DriveOutcome::Hang | DriveOutcome::Crash));
    let problem = observed.is_some_and(Outcome::is_problem);
    let suspects: Vec<&Runtime> = if problem && runtimes.iter().any(|r| caught(&r)) {
        runtimes.iter().filter(caught).collect()
    } else {
        let worst = |r: &&Runtime| r.fork_safety == predicted && predicted != Safety::Safe;
        runtimes.iter().filter(worst).collect()
    };
    let mut names: Vec<String> = suspects.iter().map(|r| label(r)).collect();
    names.dedup();
    let guilty = names.join(", ");
    let remedy = best_remedy(remedies);
    let forks = interp.start_method == "fork";
    let (level, summary) = match observed {
        Some(o) if o.is_problem() => {
            let what = if o == Outcome::Hang { "hangs" } else { "crashes" };
            let cause = if guilty.is_empty() {
                "no known-unsafe runtime is loaded, so the cause is other code the workers ran".to_string()
            } else {
                format!("fork after using {guilty}")
            };
            let fix = remedy.as_deref().map(|r| format!("; fix: {r}")).unwrap_or_default();
            (
                Safety::Unsafe,
                format!("multiprocessing {what} here: {cause} (probe: {}){fix}", o.label()),
            )
        }
        _ if !forks => (
            Safety::Safe,
            format!(
                "the default start method '{}' does not fork a process with live thread pools",
                interp.start_method
            ),
        ),
        Some(Outcome::Ok) if predicted == Safety::Unsafe => (
            Safety::Caution,
            format!("{guilty} is not fork-safe, but the probe did not trigger it (probe: OK)"),
        ),
        // A probe that failed before testing fork leaves the question open.
        Some(Outcome::Failed) => (
            predicted.max(Safety::Unknown),
            predicted_summary(predicted, &guilty, observed),
        ),
        _ => (predicted, predicted_summary(predicted, &guilty, observed)),
    };
    Verdict {
        level,
        predicted,
        observed,
        runtime: (!guilty.is_empty()).then_some(guilty),
        remedy,
        summary,
    }
}

/// "GNU OpenMP (libgomp) from pykdtree".
fn label(r: &Runtime) -> String {
    match &r.owner {
        Some(owner) => format!("{} from {owner}", r.kind.name()),
        None => r.kind.name().to_string(),
    }
}

/// The verified fixes worth naming first: an environment variable, and a pool that avoids fork
/// (seispool's before a bare forkserver) or threadpoolctl.
fn best_remedy(remedies: &[Remedy]) -> Option<String> {
    let verified = |f: fn(&Fix) -> bool| {
        remedies
            .iter()
            .find(|r| r.status == RemedyStatus::Verified && f(&r.fix))
            .map(|r| r.fix.title())
    };
    let env = verified(|f| matches!(f, Fix::Env { .. }));
    let pool = verified(|f| matches!(f, Fix::SeispoolPool))
        .or_else(|| verified(|f| matches!(f, Fix::StartMethod { .. })))
        .or_else(|| verified(|f| matches!(f, Fix::ThreadpoolLimits { .. })));
    match (env, pool) {
        (Some(e), Some(p)) => Some(format!("{e}, or {p}")),
        (e, p) => e.or(p),
    }
}

fn predicted_summary(level: Safety, guilty: &str, observed: Option<Outcome>) -> String {
    let tail = match observed {
        Some(o) => format!("probe: {}", o.label()),
        None => "not probed; run with --probe".into(),
    };
    match level {
        Safety::Safe => format!("every thread runtime loaded is fork-safe ({tail})"),
        Safety::Caution => format!("fork after using {guilty} works in practice, but is not guaranteed ({tail})"),
        Safety::Unknown => format!("cannot tell whether fork after using {guilty} is safe ({tail})"),
        Safety::Unsafe => format!("fork after using {guilty} can hang the child ({tail})"),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "VERDICT: {} — {}", self.verdict.level.label(), self.verdict.summary)?;
        let fixes: Vec<String> = self
            .remedies
            .iter()
            .filter(|r| r.status == RemedyStatus::Verified)
            .map(|r| r.fix.title())
            .collect();
        if !fixes.is_empty() {
            writeln!(f, "  verified fixes: {}", fixes.join(", "))?;
        } else if self.verdict.observed.is_some_and(Outcome::is_problem) {
            writeln!(
                f,
                "  no remedy tried here fixed it: avoid fork after using the thread pools"
            )?;
        }
        self.fmt_interpreter(f)?;
        self.fmt_runtimes(f)?;
        self.fmt_vendored(f)?;
        if let Some(p) = &self.probe {
            writeln!(f, "\nProbe")?;
            writeln!(f, "  {}", probe_line(p))?;
        }
        self.fmt_remedies(f)
    }
}

impl Report {
    fn fmt_interpreter(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.interpreter;
        writeln!(f, "\nInterpreter")?;
        let cpus = i.cpu_count.map(|n| format!(", {n} CPUs")).unwrap_or_default();
        writeln!(
            f,
            "  {} ({} {}, {}{cpus})",
            i.executable.display(),
            i.implementation,
            i.version,
            i.platform
        )?;
        let warns = match i.fork_warns_with_threads {
            Some(true) => "warns on fork with threads",
            Some(false) => "no warning on fork with threads",
            None => "no os.fork",
        };
        writeln!(f, "  default start method: {} ({warns})", i.start_method)?;
        let imported: Vec<String> = i
            .imports
            .iter()
            .filter(|m| m.ok)
            .map(|m| {
                let version = m.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
                let probe = if m.has_probe { " (_doctor_probe)" } else { "" };
                format!("{}{version}{probe}", m.name)
            })
            .collect();
        writeln!(
            f,
            "  imported: {}",
            if imported.is_empty() {
                "nothing".into()
            } else {
                imported.join(", ")
            }
        )?;
        let env: Vec<String> = i.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(
            f,
            "  thread env: {}",
            if env.is_empty() {
                "none set".into()
            } else {
                env.join(" ")
            }
        )
    }

    fn fmt_runtimes(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\nThread runtimes loaded")?;
        if self.runtimes.is_empty() {
            writeln!(f, "  none")?;
        }
        for r in &self.runtimes {
            let mut what = r.kind.name().to_string();
            for part in [r.version.as_deref(), r.threading.as_deref()].into_iter().flatten() {
                what = format!("{what} {part}");
            }
            if let Some(n) = r.num_threads {
                what = format!("{what}, {n} threads");
            }
            if let Some(p) = r.owner.as_ref().or(r.package.as_ref()) {
                what = format!("{what}, from {p}");
            }
            if let Some(p) = r.probe {
                what = format!("{what} [probe {}]", p.label());
            }
            writeln!(f, "  {:<8} {what}: {}", r.fork_safety.label(), r.path.display())?;
            writeln!(f, "           {}", r.reason)?;
        }
        Ok(())
    }

    fn fmt_vendored(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.vendored.is_empty() {
            return Ok(());
        }
        writeln!(f, "\nInstalled packages bringing runtimes")?;
        for v in &self.vendored {
            let how = match (&v.bundled, &v.linked_from) {
                (Some(_), Some(_)) => "bundles and links",
                (Some(_), None) => "bundles",
                _ => "links",
            };
            writeln!(f, "  {} {how} {} ({})", v.package, v.kind.name(), v.library)?;
        }
        Ok(())
    }

    fn fmt_remedies(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.remedies.is_empty() {
            return Ok(());
        }
        writeln!(f, "\nRemedies")?;
        for r in &self.remedies {
            let probe = r
                .probe
                .as_ref()
                .map(|p| format!(" [probe {}]", p.outcome.label()))
                .unwrap_or_default();
            writeln!(f, "  {:<8} {}: {}{probe}", r.status.label(), r.fix.title(), r.why)?;
        }
        Ok(())
    }
}

fn probe_line(p: &ProbeResult) -> String {
    let exercised = if p.exercised.is_empty() {
        "nothing".into()
    } else {
        p.exercised.join(", ")
    };
    let detail = p.detail.as_deref().map(|d| format!("; {d}")).unwrap_or_default();
    format!(
        "{} in {:.1} s with start method {}: parent ran {exercised}; {} workers started, {}/{} tasks done{detail}",
        p.outcome.label(),
        p.elapsed_s,
        p.start_method,
        p.workers_started,
        p.tasks_done,
        p.tasks_total
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remedy::tests::{interpreter, rt};
    use crate::runtime::RuntimeKind;

    fn probe(outcome: Outcome) -> ProbeResult {
        ProbeResult {
            outcome,
            start_method: "fork".into(),
            exercised: Vec::new(),
            stage: "workers".into(),
            workers_started: 2,
            tasks_done: 0,
            tasks_total: 4,
            elapsed_s: 1.0,
            detail: None,
            runtimes: Vec::new(),
        }
    }

    fn remedy(fix: Fix, status: RemedyStatus) -> Remedy {
        Remedy {
            fix,
            why: String::new(),
            status,
            probe: None,
        }
    }

    #[test]
    fn verdict_blames_the_runtime_the_probe_caught_and_names_its_owner_and_fix() {
        let mut gomp = rt(RuntimeKind::GnuOpenMp, None, Safety::Unsafe);
        gomp.owner = Some("somepkg".into());
        gomp.probe = Some(DriveOutcome::Hang);
        let mut iomp = rt(RuntimeKind::IntelOpenMp, None, Safety::Unsafe);
        iomp.probe = Some(DriveOutcome::NotReached);
        let env = |name: &str| Fix::Env {
            name: name.into(),
            value: "1".into(),
        };
        let forkserver = Fix::StartMethod {
            method: "forkserver".into(),
        };
        let remedies = [
            remedy(env("OPENBLAS_NUM_THREADS"), RemedyStatus::Failed),
            remedy(env("OMP_NUM_THREADS"), RemedyStatus::Verified),
            remedy(forkserver.clone(), RemedyStatus::Verified),
            remedy(Fix::SeispoolPool, RemedyStatus::Verified),
        ];
        let v = decide(
            &interpreter("fork", None),
            &[gomp.clone(), iomp],
            Some(&probe(Outcome::Hang)),
            &remedies,
        );
        assert_eq!(v.level, Safety::Unsafe);
        assert_eq!(v.runtime.as_deref(), Some("GNU OpenMP (libgomp) from somepkg"));
        assert_eq!(
            v.summary,
            "multiprocessing hangs here: fork after using GNU OpenMP (libgomp) from somepkg (probe: HANG); \
             fix: OMP_NUM_THREADS=1, or seispool.mp.Pool"
        );
        // Without seispool, forkserver is the pool fix; with nothing verified, no fix is named.
        let only_forkserver = [remedy(forkserver, RemedyStatus::Verified)];
        let v = decide(
            &interpreter("fork", None),
            &[gomp.clone()],
            Some(&probe(Outcome::Hang)),
            &only_forkserver,
        );
        assert_eq!(v.remedy.as_deref(), Some("start method forkserver"));
        let v = decide(&interpreter("fork", None), &[gomp], Some(&probe(Outcome::Hang)), &[]);
        assert_eq!((v.remedy, v.summary.contains("fix:")), (None, false), "{}", v.summary);
    }
}
