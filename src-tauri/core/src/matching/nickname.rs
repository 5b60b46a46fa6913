//! Given names that stand for one another (William, Bill, Will, Liam). The table is data: each
//! line is one group of interchangeable forms. A name may sit in several groups (Chris is both
//! Christopher and Christine); two names agree when they share any group.
//!
//! TODO(nicknames): the table covers common English forms only; other languages need their own
//! groups, ideally loaded from a reviewed list rather than compiled in.

use std::sync::OnceLock;

use super::fast::FastMap;

const GROUPS: &[&str] = &[
    "abigail abby abbie gail",
    "alexander alex alec sandy xander",
    "alexandra alex alexa sandra sandy lexie",
    "andrew andy drew",
    "anthony tony ant",
    "benjamin ben benny benji",
    "catherine katherine kathryn kate katie kathy cathy kat",
    "charles charlie chuck chas",
    "christopher chris kit topher",
    "christine christina chris chrissy tina",
    "daniel dan danny",
    "david dave davey",
    "deborah debra deb debbie",
    "edward ed eddie ted ned",
    "elizabeth liz lizzie beth betty eliza libby",
    "frederick fred freddie",
    "gregory greg",
    "henry harry hank",
    "isabella isabelle bella izzy",
    "jacob jake",
    "james jim jimmy jamie",
    "jennifer jen jenny",
    "jessica jess jessie",
    "john jack johnny jon",
    "jonathan jon jonny",
    "joseph joe joey",
    "joshua josh",
    "kimberly kim",
    "lawrence larry laurie",
    "margaret maggie meg peggy marge",
    "matthew matt",
    "michael mike mick mickey",
    "michaela micky kayla",
    "nicholas nick nicky",
    "patricia pat patty trish",
    "patrick pat paddy",
    "peter pete",
    "rebecca becky becca",
    "richard rick dick rich ricky",
    "robert rob bob bobby robbie bert",
    "samantha sam sammy",
    "samuel sam sammy",
    "stephen steven steve",
    "susan sue suzie",
    "thomas tom tommy",
    "timothy tim timmy",
    "victoria vicky tori",
    "william bill will billy liam willy",
    "zachary zach zack",
];

fn index() -> &'static FastMap<&'static str, Vec<u16>> {
    static INDEX: OnceLock<FastMap<&'static str, Vec<u16>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map: FastMap<&'static str, Vec<u16>> = FastMap::default();
        for (group, line) in GROUPS.iter().enumerate() {
            for name in line.split_whitespace() {
                map.entry(name).or_default().push(group as u16);
            }
        }
        map
    })
}

/// Whether two lower-case given names are different forms of one name. Equal names are not
/// nicknames of each other; callers check equality first.
pub fn are_nicknames(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    let index = index();
    match (index.get(a), index.get(b)) {
        (Some(ga), Some(gb)) => ga.iter().any(|g| gb.contains(g)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nickname_agrees_with_its_full_name_in_either_order() {
        let forward = are_nicknames("william", "bill");
        let backward = are_nicknames("bill", "william");

        assert!(
            forward && backward,
            "Bill is William, whichever record holds which"
        );
    }

    #[test]
    fn names_from_different_groups_are_not_nicknames() {
        let got = are_nicknames("bill", "bob");

        assert!(
            !got,
            "Bill (William) and Bob (Robert) are different people's names"
        );
    }

    #[test]
    fn a_name_in_two_groups_agrees_with_both() {
        let male = are_nicknames("chris", "christopher");
        let female = are_nicknames("chris", "christine");
        let across = are_nicknames("christopher", "christine");

        assert!(
            male && female,
            "Chris is short for both Christopher and Christine"
        );
        assert!(
            !across,
            "sharing a nickname does not make two full names equal"
        );
    }
}
