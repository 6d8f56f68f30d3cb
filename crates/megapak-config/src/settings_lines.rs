//! Where each part of a resolver's `[resolvers.<name>]` table was written: a plugin gets its
//! settings as JSON, which has no lines, so megapak hands it these too, and the plugin's
//! messages can name `megapak.toml:14` for the `[[resolvers.custom-wheel.wheel]]` at fault.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use crate::span::Lines;

/// For each resolver table, its parts by path (`index-url`, `wheel[1]`, `wheel[1].url`, the
/// elements of arrays numbered from 0) and the 1-based line each starts on. Empty when the
/// text does not parse (the caller has already reported why).
pub(crate) fn settings_lines(text: &str) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut all = BTreeMap::new();
    let Ok(document) = DeTable::parse(text) else {
        return all;
    };
    let lines = Lines::new(text);
    let Some(resolvers) = document.get_ref().get("resolvers") else {
        return all;
    };
    let DeValue::Table(resolvers) = resolvers.get_ref() else {
        return all;
    };
    for (name, table) in resolvers {
        if matches!(table.get_ref(), DeValue::Table(_)) {
            let mut found = BTreeMap::new();
            walk(table, String::new(), &lines, &mut found);
            all.insert(name.get_ref().to_string(), found);
        }
    }
    all
}

fn walk(
    value: &toml::Spanned<DeValue<'_>>,
    path: String,
    lines: &Lines<'_>,
    found: &mut BTreeMap<String, usize>,
) {
    if !path.is_empty() {
        found.insert(path.clone(), lines.line_column(value.span().start).0);
    }
    match value.get_ref() {
        DeValue::Table(table) => {
            for (key, value) in table {
                let key = key.get_ref();
                let path = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                walk(value, path, lines, found);
            }
        }
        DeValue::Array(array) => {
            for (index, value) in array.iter().enumerate() {
                walk(value, format!("{path}[{index}]"), lines, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_a_resolver_table_has_its_line() {
        let text = "[target]\npython = \"3.14\"\n\n[resolvers]\norder = [\"custom-wheel\"]\n\n[resolvers.custom-wheel]\nnvidia-wheels = \"keep\"\n\n[[resolvers.custom-wheel.wheel]]\nname = \"a\"\nurl = \"https://x/a.whl\"\n\n[[resolvers.custom-wheel.wheel]]\nname = \"b\"\npath = \"b.whl\"\n";
        let lines = settings_lines(text);
        let wheel = &lines["custom-wheel"];
        assert_eq!(wheel["nvidia-wheels"], 8);
        assert_eq!(wheel["wheel[0].name"], 11);
        assert_eq!(wheel["wheel[1].path"], 16);
        assert!((10..=11).contains(&wheel["wheel[0]"]), "{wheel:?}");
        assert!((14..=15).contains(&wheel["wheel[1]"]), "{wheel:?}");
    }
}
