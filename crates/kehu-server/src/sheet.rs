//! The sales-control sheet (销控表) from a file as the offices keep it: CSV (UTF-8, a header row)
//! or XLSX (the first worksheet, a header row). Columns, by their English or Chinese names:
//! `building` 楼栋, `number` 房号, `floor` 楼层 (optional), `area` 面积 (m²), `price` 总价 (yuan),
//! `status` 状态 (optional: 可售 / for_sale, 销控 / withheld, 已售 / sold). Every bad row is
//! named with its row and column; nothing is taken from a sheet with one.

use kehu_core::act::{UnitRow, MAX_UNITS};

/// The most bytes a sheet may have (a few thousand units fit in far less).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

const COLUMNS: &[(&str, &[&str])] = &[
    ("building", &["building", "楼栋", "楼号", "栋"]),
    ("number", &["number", "房号", "单元号", "unit"]),
    ("floor", &["floor", "楼层", "层"]),
    ("area", &["area", "面积", "建筑面积"]),
    ("price", &["price", "总价", "价格"]),
    ("status", &["status", "状态", "销控状态"]),
];

/// The cells of a sheet, as text, header first.
fn cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "文件超过 {} MB (the file is larger than {} MB)",
            MAX_BYTES / 1024 / 1024,
            MAX_BYTES / 1024 / 1024
        ));
    }
    // An XLSX file is a zip archive.
    if bytes.starts_with(b"PK\x03\x04") {
        use calamine::Reader as _;
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
            .map_err(|e| format!("无法读取 XLSX 文件 (not a readable XLSX file): {e}"))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or("XLSX 文件没有工作表 (the XLSX file has no worksheet)")?
            .map_err(|e| {
                format!("无法读取第一个工作表 (the first worksheet cannot be read): {e}")
            })?;
        return Ok(range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string().trim().to_string()).collect())
            .collect());
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| "CSV 文件须为 UTF-8 编码 (a CSV file must be UTF-8)".to_string())?;
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| format!("第 {} 行无法读取 (row {}): {e}", i + 1, i + 1))?;
        out.push(rec.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(out)
}

/// The units of a sheet, or every problem found in it.
pub fn units(bytes: &[u8]) -> Result<Vec<UnitRow>, Vec<String>> {
    let rows = cells(bytes).map_err(|e| vec![e])?;
    let mut rows = rows.into_iter().filter(|r| r.iter().any(|c| !c.is_empty()));
    let Some(header) = rows.next() else {
        return Err(vec!["文件是空的 (the file is empty)".into()]);
    };
    let mut at: Vec<Option<usize>> = Vec::new();
    for (name, names) in COLUMNS {
        at.push(
            header
                .iter()
                .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n))),
        );
        let _ = name;
    }
    let mut problems = Vec::new();
    for (i, (name, names)) in COLUMNS.iter().enumerate() {
        if at[i].is_none() && !matches!(*name, "floor" | "status") {
            problems.push(format!(
                "缺少列「{}」(the header has no column {name})",
                names[1]
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (n, row) in rows.enumerate() {
        let line = n + 2;
        let cell = |i: usize| {
            at[i]
                .and_then(|c| row.get(c))
                .map(String::as_str)
                .unwrap_or("")
        };
        let mut obj = serde_json::Map::new();
        obj.insert("building".into(), cell(0).into());
        obj.insert("number".into(), cell(1).trim_end_matches(".0").into());
        if !cell(2).is_empty() {
            match cell(2).trim_end_matches(".0").parse::<i32>() {
                Ok(f) if (-10..=300).contains(&f) => {
                    obj.insert("floor".into(), f.into());
                }
                _ => {
                    problems.push(format!(
                        "第 {line} 行「楼层」{:?} 不是 -10 至 300 的整数 (row {line}, floor: not a whole number from -10 to 300)",
                        cell(2)
                    ));
                    continue;
                }
            }
        }
        obj.insert("area".into(), cell(3).into());
        match cell(4)
            .replace([',', '，'], "")
            .trim_end_matches(".0")
            .parse::<i64>()
        {
            Ok(p) => {
                obj.insert("price".into(), p.into());
            }
            Err(_) => {
                problems.push(format!(
                    "第 {line} 行「总价」{:?} 不是整数元 (row {line}, price: not a whole number of yuan)",
                    cell(4)
                ));
                continue;
            }
        }
        let status = match cell(5) {
            "" | "可售" | "for_sale" => "for_sale",
            "销控" | "不售" | "withheld" => "withheld",
            "已售" | "sold" => "sold",
            other => {
                problems.push(format!(
                    "第 {line} 行「状态」{other:?} 应为 可售、销控 或 已售 (row {line}, status: for_sale, withheld or sold)"
                ));
                continue;
            }
        };
        obj.insert("status".into(), status.into());
        match serde_path_to_error::deserialize::<_, UnitRow>(serde_json::Value::Object(obj)) {
            Ok(u) => {
                if !seen.insert(u.key()) {
                    problems.push(format!(
                        "第 {line} 行：房源 {} 重复 (row {line}: unit {} listed twice)",
                        u.key(),
                        u.key()
                    ));
                } else {
                    out.push(u);
                }
            }
            Err(e) => {
                let field = e.path().to_string();
                let (zh_name, zh_why) = match field.as_str() {
                    "area" => ("面积", "应为大于 0、至多 100000 的平方米数，如 89.56"),
                    "price" => ("总价", "应为 0 至 1 万亿的整数元"),
                    "building" => ("楼栋", "应为 1 至 20 个字符，不含空格和 /"),
                    "number" => ("房号", "应为 1 至 20 个字符，不含空格和 /"),
                    _ => ("", "无法读取"),
                };
                problems.push(format!(
                    "第 {line} 行「{}」{zh_why} (row {line}, {field}: {})",
                    if zh_name.is_empty() { &field } else { zh_name },
                    e.inner()
                ));
            }
        }
    }
    if out.len() > MAX_UNITS {
        problems.push(format!(
            "一次最多 {MAX_UNITS} 套房源 (at most {MAX_UNITS} units per sheet)"
        ));
    }
    if out.is_empty() && problems.is_empty() {
        problems.push("文件中没有房源 (the file lists no unit)".into());
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_sheet_in_chinese_headers() {
        let csv = "楼栋,房号,面积,总价,状态\n3栋,1203,89.56,\"1,200,000\",可售\n3栋,1204,100,1300000,销控\n";
        let u = units(csv.as_bytes()).unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].key(), "3栋-1203");
        assert_eq!((u[0].floor(), u[0].area, u[0].price), (12, 8956, 1_200_000));
        assert_eq!(u[1].status, kehu_core::act::UnitSale::Withheld);
    }

    #[test]
    fn every_bad_row_is_named() {
        let csv =
            "building,number,area,price\nA,101,abc,100\nA,102,50,x\nA,101,50,100\nA,101,50,100\n";
        let e = units(csv.as_bytes()).unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].contains("row 2"), "{e:?}");
        assert!(e[1].contains("row 3"), "{e:?}");
        assert!(e[2].contains("row 5"), "{e:?}");
        let e = units(b"building,price\nA,1\n").unwrap_err();
        assert!(e.iter().any(|p| p.contains("number")), "{e:?}");
        assert!(units(b"PK\x03\x04not a zip").is_err());
    }
}

#[cfg(test)]
mod xlsx {
    #[test]
    fn an_xlsx_sheet() {
        let bytes = include_bytes!("../tests/fixtures/units.xlsx");
        let u = super::units(bytes).unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].key(), "1号楼-0801");
        assert_eq!((u[0].floor(), u[0].area, u[0].price), (8, 9550, 1_500_000));
        assert_eq!(u[1].status, kehu_core::act::UnitSale::Sold);
    }
}
