//! FDSN source identifiers (`FDSN:NET_STA_LOC_B_S_SS`) to and from NSLC channel ids, with the rules of
//! libmseed 3.5's `ms_sid2nslc` and `ms_nslc2sid` (pymseed's `sourceid2nslc`/`nslc2sourceid`):
//!
//! * `FDSN:` followed by exactly six `_`-separated parts (network, station, location, band, source,
//!   subsource; any may be empty). Anything else is not a source id.
//! * The channel is `BSS` when band, source and subsource are one byte each, else `B_S_SS` verbatim
//!   (`FDSN:XX_STA_00_LH_Z_1` gives channel `LH_Z_1`).
//! * Back: a channel of exactly three bytes is split into `B_S_S`; any other channel is used verbatim.
//!
//! libmseed works on bytes; a three-byte channel that is not ASCII (one non-ASCII character plus one
//! ASCII, say) cannot be split on character boundaries and is kept verbatim here, where libmseed would
//! produce invalid UTF-8.

use seispool_core::ChannelId;

/// The namespace prefix of FDSN source identifiers.
const PREFIX: &str = "FDSN:";

/// `FDSN:NET_STA_LOC_B_S_SS` to `NET.STA.LOC.CHA` (libmseed's `ms_sid2nslc`).
pub fn sid_to_id(sid: &str) -> Result<ChannelId, String> {
    let invalid = || format!("'{sid}' is not an FDSN source id: expected FDSN:NET_STA_LOC_BAND_SOURCE_SUBSOURCE");
    let body = sid.strip_prefix(PREFIX).ok_or_else(invalid)?;
    let parts: Vec<&str> = body.split('_').collect();
    let [net, sta, loc, band, source, subsource] = parts.as_slice() else {
        return Err(invalid());
    };
    let channel = if [band, source, subsource].iter().all(|p| p.len() == 1) {
        format!("{band}{source}{subsource}")
    } else {
        format!("{band}_{source}_{subsource}")
    };
    Ok(ChannelId::new(net, sta, loc, &channel))
}

/// `NET.STA.LOC.CHA` to `FDSN:NET_STA_LOC_B_S_SS` (libmseed's `ms_nslc2sid`).
pub fn id_to_sid(id: &ChannelId) -> String {
    let chan = &id.channel;
    let channel = match chan.as_bytes() {
        [b, s, ss] if chan.is_ascii() => format!("{}_{}_{}", *b as char, *s as char, *ss as char),
        _ => chan.clone(),
    };
    format!("{PREFIX}{}_{}_{}_{channel}", id.network, id.station, id.location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_codes_map_both_ways() {
        let id = sid_to_id("FDSN:IU_COLA_00_B_H_Z").unwrap();
        assert_eq!(id, ChannelId::new("IU", "COLA", "00", "BHZ"));
        assert_eq!(id_to_sid(&id), "FDSN:IU_COLA_00_B_H_Z");
        assert_eq!(
            id_to_sid(&ChannelId::new("IU", "COLA", "", "BHZ")),
            "FDSN:IU_COLA__B_H_Z"
        );
    }

    #[test]
    fn extended_channels_stay_verbatim() {
        let id = sid_to_id("FDSN:NETWORK_STATION_LOCATION_XX_YY_ZZ").unwrap();
        assert_eq!(id.channel, "XX_YY_ZZ");
        assert_eq!(id_to_sid(&id), "FDSN:NETWORK_STATION_LOCATION_XX_YY_ZZ");
        assert_eq!(sid_to_id("FDSN:A_B_C__Y_Z").unwrap().channel, "_Y_Z");
        assert_eq!(id_to_sid(&ChannelId::new("A", "B", "C", "HZ")), "FDSN:A_B_C_HZ");
    }

    #[test]
    fn wrong_part_counts_are_refused() {
        for bad in [
            "FDSN:A_B_C_D",
            "FDSN:A_B_C_D_E_F_G",
            "XFDSN:A_B_C_D_E_F",
            "fdsn:A_B_C_D_E_F",
            "FDSN:",
            "",
        ] {
            assert!(sid_to_id(bad).is_err(), "{bad}");
        }
    }
}
