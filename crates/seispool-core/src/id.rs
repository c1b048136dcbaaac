//! `ChannelId`: FDSN network/station/location/channel codes, printed `NET.STA.LOC.CHA` like ObsPy's `trace.id`.

use std::fmt;

/// FDSN channel identifier (NSLC).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct ChannelId {
    /// Network code (e.g. `IU`).
    pub network: String,
    /// Station code (e.g. `ANMO`).
    pub station: String,
    /// Location code, often empty (e.g. `00`).
    pub location: String,
    /// Channel code (e.g. `BHZ`); for extended MiniSEED 3 ids, `B_S_SS` kept verbatim.
    pub channel: String,
}

/// An identifier string that cannot be split into NSLC codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid channel id '{text}': expected {expected}")]
pub struct IdError {
    /// The text given.
    pub text: String,
    /// What form was expected.
    pub expected: &'static str,
}

impl ChannelId {
    /// Builds an id from its four codes.
    pub fn new(network: &str, station: &str, location: &str, channel: &str) -> Self {
        ChannelId {
            network: network.to_string(),
            station: station.to_string(),
            location: location.to_string(),
            channel: channel.to_string(),
        }
    }

    /// Parses `NET.STA.LOC.CHA` (location may be empty).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let parts: Vec<&str> = text.split('.').collect();
        match parts.as_slice() {
            [n, s, l, c] => Ok(ChannelId::new(n, s, l, c)),
            _ => Err(IdError {
                text: text.to_string(),
                expected: "NET.STA.LOC.CHA",
            }),
        }
    }

    /// Parses an FDSN source identifier `FDSN:NET_STA_LOC_B_S_SS`. A channel whose band, source and
    /// subsource are single characters becomes `BSS`; anything else is kept as `B_S_SS`.
    pub fn from_fdsn_sid(sid: &str) -> Result<Self, IdError> {
        let err = || IdError {
            text: sid.to_string(),
            expected: "FDSN:NET_STA_LOC_BAND_SOURCE_SUBSOURCE",
        };
        let body = sid.strip_prefix("FDSN:").ok_or_else(err)?;
        let parts: Vec<&str> = body.split('_').collect();
        if parts.len() < 6 {
            // Only NET_STA_LOC_CHAN with no separable channel: keep the channel verbatim.
            return match parts.as_slice() {
                [n, s, l, c] => Ok(ChannelId::new(n, s, l, c)),
                _ => Err(err()),
            };
        }
        let (head, chan) = parts.split_at(parts.len() - 3);
        let [net, sta, loc @ ..] = head else { return Err(err()) };
        let loc = loc.join("_");
        let channel = if chan.iter().all(|p| p.chars().count() == 1) {
            chan.concat()
        } else {
            chan.join("_")
        };
        Ok(ChannelId::new(net, sta, &loc, &channel))
    }

    /// The FDSN source identifier: `FDSN:NET_STA_LOC_B_S_SS`; a 3-character channel is split into
    /// band/source/subsource, a channel already holding `_` is used verbatim.
    pub fn to_fdsn_sid(&self) -> String {
        let chars: Vec<char> = self.channel.chars().collect();
        let channel = if chars.len() == 3 && !self.channel.contains('_') {
            format!("{}_{}_{}", chars[0], chars[1], chars[2])
        } else {
            self.channel.clone()
        };
        format!("FDSN:{}_{}_{}_{}", self.network, self.station, self.location, channel)
    }

    /// Whether this id matches a `NET.STA.LOC.CHA` glob (`*`, `?`, `[abc]`), as ObsPy's `Stream.select(id=...)`.
    pub fn matches(&self, pattern: &str) -> bool {
        glob_match(pattern, &self.to_string())
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.network, self.station, self.location, self.channel
        )
    }
}

/// Shell-style glob match (fnmatch): `*` any run, `?` one character, `[...]` a set (`[!...]` negated).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with backtracking on the last `*`; linear in practice, never recursive.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((hit, next)) = match_set(&p, pi, t[ti]) {
                        if hit {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the set starting at `p[start] == '['`; returns (matched, index after `]`),
/// or None when the set is unterminated (then `[` is literal).
fn match_set(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    while i < p.len() && (p[i] != ']' || first) {
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            hit |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            hit |= p[i] == c;
            i += 1;
        }
    }
    (i < p.len()).then_some((hit != negate, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse() {
        let id = ChannelId::new("IU", "ANMO", "", "BHZ");
        assert_eq!(id.to_string(), "IU.ANMO..BHZ");
        assert_eq!(ChannelId::parse("IU.ANMO..BHZ").unwrap(), id);
        assert!(ChannelId::parse("IU.ANMO.BHZ").is_err());
    }

    #[test]
    fn fdsn_sid_round_trip() {
        let id = ChannelId::new("XX", "TEST", "00", "BHZ");
        assert_eq!(id.to_fdsn_sid(), "FDSN:XX_TEST_00_B_H_Z");
        assert_eq!(ChannelId::from_fdsn_sid("FDSN:XX_TEST_00_B_H_Z").unwrap(), id);
        let ext = ChannelId::from_fdsn_sid("FDSN:XX_TEST__LL_H_Z").unwrap();
        assert_eq!(ext.channel, "LL_H_Z");
        assert_eq!(ext.location, "");
        assert_eq!(ext.to_fdsn_sid(), "FDSN:XX_TEST__LL_H_Z");
        assert!(ChannelId::from_fdsn_sid("XX_TEST").is_err());
    }

    #[test]
    fn globs() {
        let id = ChannelId::new("IU", "ANMO", "00", "BHZ");
        assert!(id.matches("IU.ANMO.*.BH?"));
        assert!(id.matches("*"));
        assert!(id.matches("IU.*.00.BH[ZNE]"));
        assert!(!id.matches("IU.*.00.BH[!Z]"));
        assert!(!id.matches("II.*"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
    }
}
