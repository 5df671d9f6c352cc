//! Which `kindest/node` image runs a given Kubernetes version.
//!
//! kind supports a node image only with the kind release that published it, "and best effort
//! with other releases"; the release notes list each release's images with their digests, and
//! a tag alone may point at a build for another release. So the table below is keyed by
//! (kind release, Kubernetes version), every image pinned by digest, copied from the "Images
//! pre-built for this release" lists of kind's release notes. A user can add or override
//! images with `--kind-image-map FILE` (for example images made with `kind build node-image`).

use kubedrill_sim::version::KubeVersion;
use std::collections::BTreeMap;
use std::fmt;

/// A kind release, `v0.25.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KindRelease {
    pub minor: u32,
    pub patch: u32,
}

impl KindRelease {
    pub const fn new(minor: u32, patch: u32) -> Self {
        Self { minor, patch }
    }

    /// Reads the release from `kind version` output (`kind v0.25.0 go1.22.9 linux/amd64`).
    pub fn from_version_output(text: &str) -> Option<Self> {
        let word = text.split_whitespace().find(|w| w.starts_with("v0."))?;
        let core = word.trim_start_matches('v').split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let (major, minor, patch) = (parts.next()?, parts.next()?, parts.next()?);
        if major != "0" {
            return None;
        }
        Some(Self::new(minor.parse().ok()?, patch.parse().ok()?))
    }
}

impl fmt::Display for KindRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v0.{}.{}", self.minor, self.patch)
    }
}

/// (kind release, Kubernetes version, sha256 digest of `kindest/node:<version>`), newest
/// release first. Only releases whose lists were read from the release notes are here; for
/// v0.31.0 and v0.32.0 only their default image is recorded.
const NODE_IMAGES: &[(KindRelease, &str, &str)] = &[
    (
        R33,
        "v1.37.0",
        "a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
    ),
    (
        R33,
        "v1.36.4",
        "099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
    ),
    (
        R33,
        "v1.35.8",
        "07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
    ),
    (
        R33,
        "v1.34.11",
        "44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d",
    ),
    (
        R32,
        "v1.36.1",
        "3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5",
    ),
    (
        R31,
        "v1.35.0",
        "452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f",
    ),
    (
        R30,
        "v1.34.0",
        "7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
    ),
    (
        R30,
        "v1.33.4",
        "25a6018e48dfcaee478f4a59af81157a437f15e6e140bf103f85a2e7cd0cbbf2",
    ),
    (
        R30,
        "v1.32.8",
        "abd489f042d2b644e2d033f5c2d900bc707798d075e8186cb65e3f1367a9d5a1",
    ),
    (
        R30,
        "v1.31.12",
        "0f5cc49c5e73c0c2bb6e2df56e7df189240d83cf94edfa30946482eb08ec57d2",
    ),
    (
        R29,
        "v1.33.1",
        "050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f",
    ),
    (
        R29,
        "v1.32.5",
        "e3b2327e3a5ab8c76f5ece68936e4cafaa82edf58486b769727ab0b3b97a5b0d",
    ),
    (
        R29,
        "v1.31.9",
        "b94a3a6c06198d17f59cca8c6f486236fa05e2fb359cbd75dabbfc348a10b211",
    ),
    (
        R29,
        "v1.30.13",
        "397209b3d947d154f6641f2d0ce8d473732bd91c87d9575ade99049aa33cd648",
    ),
    (
        R27,
        "v1.32.2",
        "f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f",
    ),
    (
        R27,
        "v1.31.6",
        "28b7cbb993dfe093c76641a0c95807637213c9109b761f1d422c2400e22b8e87",
    ),
    (
        R27,
        "v1.30.10",
        "4de75d0e82481ea846c0ed1de86328d821c1e6a6a91ac37bf804e5313670e507",
    ),
    (
        R27,
        "v1.29.14",
        "8703bd94ee24e51b778d5556ae310c6c0fa67d761fae6379c8e0bb480e6fea29",
    ),
    (
        R26,
        "v1.32.0",
        "c48c62eac5da28cdadcf560d1d8616cfa6783b58f0d94cf63ad1bf49600cb027",
    ),
    (
        R26,
        "v1.31.4",
        "2cb39f7295fe7eafee0842b1052a599a4fb0f8bcf3f83d96c7f4864c357c6c30",
    ),
    (
        R26,
        "v1.30.8",
        "17cd608b3971338d9180b00776cb766c50d0a0b6b904ab4ff52fd3fc5c6369bf",
    ),
    (
        R26,
        "v1.29.12",
        "62c0672ba99a4afd7396512848d6fc382906b8f33349ae68fb1dbfe549f70dec",
    ),
    (
        R25,
        "v1.31.2",
        "18fbefc20a7113353c7b75b5c869d7145a6abd6269154825872dc59c1329912e",
    ),
    (
        R25,
        "v1.30.6",
        "b6d08db72079ba5ae1f4a88a09025c0a904af3b52387643c285442afb05ab994",
    ),
    (
        R25,
        "v1.29.10",
        "3b2d8c31753e6c8069d4fc4517264cd20e86fd36220671fb7d0a5855103aa84b",
    ),
    (
        R25,
        "v1.28.15",
        "a7c05c7ae043a0b8c818f5a06188bc2c4098f6cb59ca7d1856df00375d839251",
    ),
    (
        R25,
        "v1.27.16",
        "2d21a61643eafc439905e18705b8186f3296384750a835ad7a005dceb9546d20",
    ),
    (
        R25,
        "v1.26.15",
        "c79602a44b4056d7e48dc20f7504350f1e87530fe953428b792def00bc1076dd",
    ),
    (
        R24,
        "v1.31.0",
        "53df588e04085fd41ae12de0c3fe4c72f7013bba32a20e7325357a1ac94ba865",
    ),
    (
        R24,
        "v1.30.4",
        "976ea815844d5fa93be213437e3ff5754cd599b040946b5cca43ca45c2047114",
    ),
    (
        R24,
        "v1.29.8",
        "d46b7aa29567e93b27f7531d258c372e829d7224b25e3fc6ffdefed12476d3aa",
    ),
    (
        R24,
        "v1.28.13",
        "45d319897776e11167e4698f6b14938eb4d52eb381d9e3d7a9086c16c69a8110",
    ),
    (
        R24,
        "v1.27.17",
        "3fd82731af34efe19cd54ea5c25e882985bafa2c9baefe14f8deab1737d9fabe",
    ),
    (
        R24,
        "v1.26.15",
        "1cc15d7b1edd2126ef051e359bf864f37bbcf1568e61be4d2ed1df7a3e87b354",
    ),
    (
        R24,
        "v1.25.16",
        "6110314339b3b44d10da7d27881849a87e092124afab5956f2e10ecdb463b025",
    ),
    (
        R23,
        "v1.30.0",
        "047357ac0cfea04663786a612ba1eaba9702bef25227a794b52890dd8bcd692e",
    ),
    (
        R23,
        "v1.29.4",
        "3abb816a5b1061fb15c6e9e60856ec40d56b7b52bcea5f5f1350bc6e2320b6f8",
    ),
    (
        R23,
        "v1.28.9",
        "dca54bc6a6079dd34699d53d7d4ffa2e853e46a20cd12d619a09207e35300bd0",
    ),
    (
        R23,
        "v1.27.13",
        "17439fa5b32290e3ead39ead1250dca1d822d94a10d26f1981756cd51b24b9d8",
    ),
    (
        R23,
        "v1.26.15",
        "84333e26cae1d70361bb7339efb568df1871419f2019c80f9a12b7e2d485fe19",
    ),
    (
        R23,
        "v1.25.16",
        "5da57dfc290ac3599e775e63b8b6c49c0c85d3fec771cd7d55b45fae14b38d3b",
    ),
];

const R23: KindRelease = KindRelease::new(23, 0);
const R24: KindRelease = KindRelease::new(24, 0);
const R25: KindRelease = KindRelease::new(25, 0);
const R26: KindRelease = KindRelease::new(26, 0);
const R27: KindRelease = KindRelease::new(27, 0);
const R29: KindRelease = KindRelease::new(29, 0);
const R30: KindRelease = KindRelease::new(30, 0);
const R31: KindRelease = KindRelease::new(31, 0);
const R32: KindRelease = KindRelease::new(32, 0);
const R33: KindRelease = KindRelease::new(33, 0);

/// The newest kind release in the table: what a plan assumes when no `kind` was asked.
pub const NEWEST_RELEASE: KindRelease = R33;

/// kind removed its code paths for Kubernetes before 1.15 in v0.16; nothing older can run.
pub const OLDEST_MINOR_ON_KIND: u32 = 15;

/// Every (release, version, image) of the table, for documentation and tests.
pub fn table() -> impl Iterator<Item = (KindRelease, KubeVersion, String)> {
    NODE_IMAGES.iter().map(|(r, v, d)| {
        let version = KubeVersion::parse(v).unwrap_or_else(|_| KubeVersion::new(0, 0, 0));
        (*r, version, format!("kindest/node:{v}@sha256:{d}"))
    })
}

/// Images the user supplies (`--kind-image-map`): version → image reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageMap {
    pub images: BTreeMap<KubeVersion, String>,
}

impl ImageMap {
    /// Parses the map file: a YAML mapping `v1.31.2: kindest/node:v1.31.2@sha256:...`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: BTreeMap<String, String> = if text.trim().is_empty() {
            BTreeMap::new()
        } else {
            yaml_serde::from_str(text).map_err(|e| {
                format!("{e}; expected a mapping of Kubernetes versions to images, e.g. `v1.31.2: kindest/node:v1.31.2@sha256:...`")
            })?
        };
        let mut images = BTreeMap::new();
        for (k, v) in raw {
            let version = KubeVersion::parse(&k)?;
            let image = v.trim();
            if image.is_empty() || image.contains(char::is_whitespace) {
                return Err(format!("{k}: {v:?} is not an image reference"));
            }
            images.insert(version, image.to_string());
        }
        Ok(Self { images })
    }
}

/// How the image for a version was found, most trustworthy first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// From `--kind-image-map`.
    UserMap,
    /// Published with the kind release in use.
    Release,
    /// Published with another kind release: best effort.
    OtherRelease(KindRelease),
    /// Another patch of the same minor stands in for the version (no image of it exists).
    StandIn { wanted: KubeVersion },
}

/// The image chosen for one Kubernetes version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageChoice {
    /// The version the scenario asks for.
    pub version: KubeVersion,
    /// The version the image runs (differs for a stand-in).
    pub runs: KubeVersion,
    pub image: String,
    pub provenance: Provenance,
}

impl ImageChoice {
    /// One line for the plan: `v1.31.2: kindest/node:v1.31.2@sha256:... (published with kind v0.25.0; ...)`.
    pub fn describe(&self, release: KindRelease) -> String {
        let why = match &self.provenance {
            Provenance::UserMap => "from --kind-image-map".to_string(),
            Provenance::Release => format!("published with kind {release}"),
            Provenance::OtherRelease(r) => {
                format!("published with kind {r}; kind supports it with {release} only best-effort")
            }
            Provenance::StandIn { wanted } => format!(
                "no image of {wanted} exists: {} stands in for it, and versions are compared as {wanted} (build one with `kind build node-image {wanted}` and pass --kind-image-map)",
                self.runs
            ),
        };
        format!("{}: {} ({why})", self.version, self.image)
    }
}

/// Picks the image for `version`: the user's map, then the release's own list, then any other
/// release's image of exactly that version (newest release first), then — when `stand_in` is
/// allowed — the newest patch of the same minor. `None` when nothing fits.
pub fn choose(version: &KubeVersion, release: KindRelease, map: &ImageMap, stand_in: bool) -> Option<ImageChoice> {
    let pick = |runs: KubeVersion, image: String, provenance: Provenance| ImageChoice {
        version: version.clone(),
        runs,
        image,
        provenance,
    };
    if let Some(image) = map.images.get(version) {
        return Some(pick(version.clone(), image.clone(), Provenance::UserMap));
    }
    let exact: Vec<(KindRelease, KubeVersion, String)> = table().filter(|(_, v, _)| v == version).collect();
    if let Some((_, v, image)) = exact.iter().find(|(r, _, _)| *r == release) {
        return Some(pick(v.clone(), image.clone(), Provenance::Release));
    }
    if let Some((r, v, image)) = exact.into_iter().next() {
        return Some(pick(v, image, Provenance::OtherRelease(r)));
    }
    if !stand_in {
        return None;
    }
    // The newest patch of the minor, preferring the release in use.
    let mut same_minor: Vec<(KindRelease, KubeVersion, String)> = table()
        .filter(|(_, v, _)| v.major == version.major && v.minor == version.minor)
        .collect();
    same_minor.sort_by(|a, b| (a.0 == release, &a.1).cmp(&(b.0 == release, &b.1)).reverse());
    same_minor.into_iter().next().map(|(_, v, image)| {
        pick(
            v,
            image,
            Provenance::StandIn {
                wanted: version.clone(),
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    #[test]
    fn every_table_image_is_pinned_and_named_for_its_version() {
        for (_, version, image) in table() {
            let tag = format!("kindest/node:{version}@sha256:");
            assert!(image.starts_with(&tag), "{image}");
            let digest = &image[tag.len()..];
            assert_eq!(digest.len(), 64, "{image}");
            assert!(digest.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        }
    }

    #[test]
    fn no_release_lists_a_version_twice() {
        let mut seen = std::collections::BTreeSet::new();
        for (r, version, _) in table() {
            assert!(seen.insert((r, version.clone())), "{r} {version}");
        }
    }

    #[test]
    fn choice_prefers_the_map_then_the_release_then_others_then_a_stand_in() {
        let r25 = KindRelease::new(25, 0);
        let mut map = ImageMap::default();
        assert_eq!(
            choose(&v("v1.31.2"), r25, &map, false).unwrap().provenance,
            Provenance::Release
        );
        let other = choose(&v("v1.31.2"), NEWEST_RELEASE, &map, false).unwrap();
        assert_eq!(other.provenance, Provenance::OtherRelease(r25));
        assert!(choose(&v("v1.31.3"), r25, &map, false).is_none());
        let stand_in = choose(&v("v1.31.3"), NEWEST_RELEASE, &map, true).unwrap();
        assert_eq!(stand_in.runs, v("v1.31.12"), "the newest patch of the minor");
        assert!(matches!(stand_in.provenance, Provenance::StandIn { .. }));
        assert!(choose(&v("v1.10.3"), r25, &map, true).is_none());
        map.images.insert(v("v1.31.3"), "kindest/node:v1.31.3-local".into());
        assert_eq!(
            choose(&v("v1.31.3"), r25, &map, false).unwrap().provenance,
            Provenance::UserMap
        );
    }

    #[test]
    fn kind_version_output_is_read() {
        assert_eq!(
            KindRelease::from_version_output("kind v0.25.0 go1.22.9 linux/amd64"),
            Some(KindRelease::new(25, 0))
        );
        assert_eq!(
            KindRelease::from_version_output("kind v0.33.0-alpha+fed2688 go1.24 linux/arm64"),
            Some(KindRelease::new(33, 0))
        );
        assert_eq!(KindRelease::from_version_output("command not found"), None);
    }

    #[test]
    fn image_map_files_are_checked() {
        let m = ImageMap::parse("v1.31.3: kindest/node:v1.31.3-local\n").unwrap();
        assert_eq!(m.images[&v("v1.31.3")], "kindest/node:v1.31.3-local");
        assert!(
            ImageMap::parse("1.31: x")
                .unwrap_err()
                .contains("invalid Kubernetes version")
        );
        assert!(ImageMap::parse("v1.31.3: ''").unwrap_err().contains("not an image"));
        assert!(
            ImageMap::parse("- a\n- b\n")
                .unwrap_err()
                .contains("expected a mapping")
        );
        assert!(ImageMap::parse("").unwrap().images.is_empty());
    }
}
