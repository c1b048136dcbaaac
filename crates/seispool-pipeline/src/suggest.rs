//! Closest-name suggestions for misspelt op, argument and option names.

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), case-insensitive.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    // Three rolling rows: two back (for transpositions), previous and current.
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a plausible typo.
///
/// A candidate qualifies when its distance is at most a third of the longer name (at least 1), or when one
/// name is a prefix of the other (`freq` → `freqmin`); ties go to the earlier candidate.
pub fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .iter()
        .filter_map(|&c| {
            let d = edit_distance(&lower, c);
            let limit = (lower.chars().count().max(c.len()) / 3).max(1);
            let prefix = lower.len() >= 3 && (c.starts_with(&lower) || lower.starts_with(c));
            (d <= limit || prefix).then_some((d, c))
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_transpositions() {
        assert_eq!(edit_distance("freqmn", "freqmin"), 1);
        assert_eq!(edit_distance("detrnd", "detrend"), 1);
        assert_eq!(edit_distance("fitler", "filter"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("Hann", "hann"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_prefers_the_nearest_plausible_name() {
        let c = ["freqmin", "freqmax", "corners", "zerophase"];
        assert_eq!(closest("freqmn", &c), Some("freqmin"));
        assert_eq!(closest("freqmax", &c), Some("freqmax"));
        assert_eq!(closest("corner", &c), Some("corners"));
        assert_eq!(closest("xyz", &c), None);
        assert_eq!(closest("zerophse", &c), Some("zerophase"));
    }
}
