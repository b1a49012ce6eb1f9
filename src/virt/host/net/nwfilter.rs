//! The host firewall rules that libvirt's network-filter driver builds for
//! a guest interface, followed from the interface rather than looked up by
//! chain name.
//!
//! libvirt's nwfilter driver (the `ebiptables` driver, libvirt's only one
//! up to 11.x) programs three tools: `ebtables` (the `nat` table: layer-2
//! rules — MAC, ARP, IPv4 source checks), `iptables` and `ip6tables` (the
//! `filter` table: TCP/UDP/ICMP rules, through `physdev` matches on the
//! bridge port). Whether those tools drive legacy xtables or nf_tables
//! underneath, `ebtables-save`, `iptables-save` and `ip6tables-save` print
//! the same format, which [`super::parse_iptables_save`] reads.
//!
//! [`super::saved_rules`] lists one tool's rules; [`FilterRules`] reads
//! the three tools' output once for both their rules and their chain
//! declarations, which following jumps needs.
//!
//! A guest's rules are found semantically: the *entry* rules are those that
//! match its host device (`-i tap` / `-o tap` for ebtables, `--physdev-in
//! tap` / `--physdev-out tap` for iptables), and its rules are everything
//! reachable from them through `-j`/`-g` jumps to user chains. Nothing
//! depends on libvirt's chain names (`libvirt-I-vnet3`, `FI-vnet3`…), their
//! order or the tools' spelling of matches beyond the option names, and the
//! Perl kit's byte-for-byte comparison of `ebtables -L` output is gone.

use super::{parse_iptables_save, HostError, Rule};
use crate::virt::host::run;
use std::collections::BTreeSet;

/// Which way traffic flows, seen from the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the guest (enters the bridge from its port).
    FromGuest,
    /// Sent to the guest (leaves the bridge through its port).
    ToGuest,
}

/// A user chain: family (`eb`, `ipv4`, `ipv6`, as [`super::saved_rules`]
/// names them), table and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Chain {
    pub family: String,
    pub table: String,
    pub name: String,
}

/// Every chain and rule of the three tools libvirt's nwfilter driver
/// programs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterRules {
    pub rules: Vec<Rule>,
    pub chains: Vec<Chain>,
}

/// Chain declarations of `*-save` output: `:NAME POLICY [counters]` lines.
pub fn parse_save_chains(text: &str, family: &str) -> Vec<Chain> {
    let mut table = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(t) = line.strip_prefix('*') {
            table = t.trim().to_string();
        } else if let Some(rest) = line.strip_prefix(':') {
            if let Some(name) = rest.split_whitespace().next() {
                out.push(Chain {
                    family: family.to_string(),
                    table: table.clone(),
                    name: name.to_string(),
                });
            }
        }
    }
    out
}

/// The tools whose output [`FilterRules::list`] reads, with the family
/// each gives its rules.
pub const SAVE_TOOLS: [(&str, &str); 3] = [
    ("ebtables-save", "eb"),
    ("iptables-save", "ipv4"),
    ("ip6tables-save", "ipv6"),
];

/// Normalises a MAC address word: `52:54:0:a:b:1`, `52:54:00:0A:0B:01` and
/// `52:54:00:0a:0b:01/ff:ff:ff:ff:ff:ff` all give `52:54:00:0a:0b:01`;
/// anything else gives `None`.
pub fn normalise_mac(word: &str) -> Option<String> {
    let addr = word.split('/').next()?;
    let parts: Vec<&str> = addr.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut out = Vec::with_capacity(6);
    for p in parts {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        out.push(format!("{:02x}", u8::from_str_radix(p, 16).ok()?));
    }
    Some(out.join(":"))
}

impl FilterRules {
    /// Parses the three tools' outputs (`(family, text)` pairs).
    pub fn parse(outputs: &[(&str, &str)]) -> FilterRules {
        let mut f = FilterRules::default();
        for (family, text) in outputs {
            f.rules.extend(parse_iptables_save(text, family));
            f.chains.extend(parse_save_chains(text, family));
        }
        f
    }

    /// Lists the host's rules (needs root and the three tools).
    pub fn list() -> Result<FilterRules, HostError> {
        let mut outputs = Vec::new();
        for (tool, family) in SAVE_TOOLS {
            outputs.push((family, run::<&str>(tool, &[])?));
        }
        let borrowed: Vec<(&str, &str)> = outputs.iter().map(|(f, t)| (*f, t.as_str())).collect();
        Ok(FilterRules::parse(&borrowed))
    }

    fn is_chain(&self, family: &str, table: &str, name: &str) -> bool {
        self.chains
            .iter()
            .any(|c| c.family == family && c.table == table && c.name == name)
    }

    /// The rules that send traffic of `dev` in `dir` into libvirt's
    /// chains: `-i dev` / `--physdev-in dev` (from the guest) or `-o dev` /
    /// `--physdev-out dev` (to it).
    pub fn entries(&self, dev: &str, dir: Direction) -> Vec<&Rule> {
        let opts: &[&str] = match dir {
            Direction::FromGuest => &["-i", "--in-interface", "--physdev-in"],
            Direction::ToGuest => &["-o", "--out-interface", "--physdev-out"],
        };
        self.rules
            .iter()
            .filter(|r| {
                let w: Vec<&str> = r.words().collect();
                w.windows(2).any(|p| opts.contains(&p[0]) && p[1] == dev)
            })
            .collect()
    }

    /// The user chain a rule jumps or goes to (`-j X`, `-g X`), if `X` is a
    /// chain of the rule's table (not a verdict like `ACCEPT`).
    pub fn jump_target(&self, r: &Rule) -> Option<String> {
        let w: Vec<&str> = r.words().collect();
        w.windows(2)
            .find(|p| matches!(p[0], "-j" | "--jump" | "-g" | "--goto"))
            .map(|p| p[1].to_string())
            .filter(|t| self.is_chain(&r.family, &r.table, t))
    }

    /// The chains reachable from the entry rules of `dev` in `dir`.
    pub fn chains_of(&self, dev: &str, dir: Direction) -> BTreeSet<Chain> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<Chain> = self
            .entries(dev, dir)
            .into_iter()
            .filter_map(|r| {
                self.jump_target(r).map(|name| Chain {
                    family: r.family.clone(),
                    table: r.table.clone(),
                    name,
                })
            })
            .collect();
        while let Some(c) = todo.pop() {
            if !seen.insert(c.clone()) {
                continue;
            }
            for r in self
                .rules
                .iter()
                .filter(|r| r.family == c.family && r.table == c.table && r.chain == c.name)
            {
                if let Some(name) = self.jump_target(r) {
                    todo.push(Chain {
                        family: r.family.clone(),
                        table: r.table.clone(),
                        name,
                    });
                }
            }
        }
        seen
    }

    /// The rules that apply to `dev`'s traffic in `dir`: the rules of every
    /// chain reachable from its entry rules, in listing order.
    pub fn rules_of(&self, dev: &str, dir: Direction) -> Vec<&Rule> {
        let chains = self.chains_of(dev, dir);
        self.rules
            .iter()
            .filter(|r| {
                chains
                    .iter()
                    .any(|c| c.family == r.family && c.table == r.table && c.name == r.chain)
            })
            .collect()
    }

    /// Everything still naming `dev`: entry rules in either direction, and
    /// chains whose name has it as a `-`-separated part (libvirt's naming;
    /// used only to prove that nothing is left after the guest stops).
    pub fn traces_of(&self, dev: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .entries(dev, Direction::FromGuest)
            .into_iter()
            .chain(self.entries(dev, Direction::ToGuest))
            .map(|r| r.to_string())
            .collect();
        for c in &self.chains {
            if c.name.split('-').any(|part| part == dev) || c.name.ends_with(&format!("-{dev}")) {
                out.push(format!("{} {} chain {}", c.family, c.table, c.name));
            }
        }
        out
    }
}

impl Rule {
    /// The word after option `opt` (`--ip-src` → `10.0.0.1`), if present.
    pub fn option(&self, opt: &str) -> Option<&str> {
        let mut words = self.words();
        while let Some(w) = words.next() {
            if w == opt {
                return words.next();
            }
        }
        None
    }

    /// Whether any of the rule's words is the MAC address `mac`, however
    /// the tool spells it (leading zeros, case, a `/mask`).
    pub fn has_mac(&self, mac: &str) -> bool {
        let Some(want) = normalise_mac(mac) else {
            return false;
        };
        self.words()
            .any(|w| normalise_mac(w).as_deref() == Some(want.as_str()))
    }

    /// The rule's verdict or jump (`-j X`), if any.
    pub fn target(&self) -> Option<&str> {
        self.option("-j").or_else(|| self.option("-g"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EB: &str = include_str!("../../../../tests/data/hostnet/nwfilter-ebtables-save.txt");
    const IPT: &str = include_str!("../../../../tests/data/hostnet/nwfilter-iptables-save.txt");
    const EB_AFTER: &str =
        include_str!("../../../../tests/data/hostnet/nwfilter-ebtables-save-after.txt");
    const IPT_AFTER: &str =
        include_str!("../../../../tests/data/hostnet/nwfilter-iptables-save-after.txt");
    const TAP: &str = "vnet59";
    const MAC: &str = "52:54:00:de:77:01";

    fn during() -> FilterRules {
        FilterRules::parse(&[("eb", EB), ("ipv4", IPT)])
    }

    #[test]
    fn macs_are_compared_however_they_are_spelt() {
        assert_eq!(
            normalise_mac("52:54:0:A:b:1").as_deref(),
            Some("52:54:00:0a:0b:01")
        );
        assert_eq!(
            normalise_mac("52:54:00:0a:0b:01/ff:ff:ff:ff:ff:ff").as_deref(),
            Some("52:54:00:0a:0b:01")
        );
        assert_eq!(normalise_mac("Broadcast"), None);
        assert_eq!(normalise_mac("1:2:3:4:5"), None);
        assert_eq!(normalise_mac("1:2:3:4:5:123"), None);
        assert_eq!(normalise_mac("10.0.0.1"), None);
    }

    #[test]
    fn chains_are_declared_per_table() {
        let c = parse_save_chains(IPT, "ipv4");
        assert!(c.contains(&Chain {
            family: "ipv4".into(),
            table: "filter".into(),
            name: format!("FI-{TAP}"),
        }));
        assert!(c.iter().any(|c| c.table == "nat"));
        let c = parse_save_chains(EB, "eb");
        assert!(c.iter().all(|c| c.table == "nat"));
        assert!(c.iter().any(|c| c.name == format!("libvirt-I-{TAP}")));
    }

    #[test]
    fn a_guests_layer2_rules_follow_from_its_device() {
        let f = during();
        let from = f.rules_of(TAP, Direction::FromGuest);
        let bridge: Vec<&&Rule> = from.iter().filter(|r| r.family == "eb").collect();
        // MAC, IPv4 source and ARP checks of clean-traffic, found without
        // naming a chain.
        assert!(bridge
            .iter()
            .any(|r| r.option("-s").is_some() && r.has_mac(MAC)));
        assert!(bridge
            .iter()
            .any(|r| r.option("--ip-src") == Some("10.251.77.10")));
        assert!(bridge
            .iter()
            .any(|r| r.option("--arp-ip-src") == Some("10.251.77.10")));
        assert!(bridge.iter().any(|r| r
            .option("--arp-mac-src")
            .is_some_and(|m| normalise_mac(m).as_deref() == Some(MAC))));
        // The custom "drop IPv6" rule, and a final drop.
        assert!(bridge
            .iter()
            .any(|r| r.option("-p") == Some("IPv6") && r.target() == Some("DROP")));
        // To the guest: its own chains, not the from-guest ones.
        let to = f.chains_of(TAP, Direction::ToGuest);
        assert!(to.iter().any(|c| c.name == format!("libvirt-O-{TAP}")));
        assert!(!to.iter().any(|c| c.name == format!("libvirt-I-{TAP}")));
    }

    #[test]
    fn a_guests_layer3_rules_follow_from_physdev_matches() {
        let f = during();
        let to: Vec<&Rule> = f
            .rules_of(TAP, Direction::ToGuest)
            .into_iter()
            .filter(|r| r.family == "ipv4")
            .collect();
        assert!(to.iter().any(|r| r.option("-p") == Some("tcp")
            && r.option("--dport") == Some("22")
            && r.target() == Some("ACCEPT")));
        let from: Vec<&Rule> = f
            .rules_of(TAP, Direction::FromGuest)
            .into_iter()
            .filter(|r| r.family == "ipv4")
            .collect();
        assert!(from.iter().any(|r| r.option("-p") == Some("udp")
            && r.option("--dport") == Some("5353")
            && r.target() == Some("DROP")));
        // Host-bound traffic (libvirt-host-in → HI-) is from the guest too.
        assert!(f
            .chains_of(TAP, Direction::FromGuest)
            .iter()
            .any(|c| c.name == format!("HI-{TAP}")));
    }

    #[test]
    fn another_device_with_a_common_prefix_is_not_matched() {
        let f = during();
        assert!(f.rules_of("vnet5", Direction::FromGuest).is_empty());
        assert!(f.traces_of("vnet5").is_empty());
        assert!(f.traces_of("vnet591").is_empty());
        assert!(!f.traces_of(TAP).is_empty());
    }

    #[test]
    fn nothing_names_the_device_after_the_guest_stops() {
        let f = FilterRules::parse(&[("eb", EB_AFTER), ("ipv4", IPT_AFTER)]);
        assert_eq!(f.traces_of(TAP), Vec::<String>::new());
        assert!(f.rules_of(TAP, Direction::FromGuest).is_empty());
        // libvirt's own top-level chains stay.
        assert!(f.chains.iter().any(|c| c.name == "libvirt-in"));
    }

    #[test]
    fn jump_cycles_and_verdicts_are_handled() {
        let text = "*nat\n:PREROUTING ACCEPT\n:A RETURN\n:B RETURN\n\
                    -A PREROUTING -i t0 -j A\n-A A -j B\n-A B -j A\n-A B -p IPv4 -j ACCEPT\n";
        let f = FilterRules::parse(&[("eb", text)]);
        let names: Vec<String> = f
            .chains_of("t0", Direction::FromGuest)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, vec!["A", "B"]);
        assert_eq!(f.rules_of("t0", Direction::FromGuest).len(), 3);
        assert!(f.chains_of("t0", Direction::ToGuest).is_empty());
    }
}
