#!/usr/bin/python3
"""The state machine's build rule, checked: the sources of walfs_sm (src/sm,
src/codec, src/schema) and the core types they use (src/core) include only
each other and standard headers that cannot reach a clock, randomness,
threads, the environment or I/O (design rule 1). An allowlist: a header not
on it fails the check until someone decides it is safe and adds it here."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2] / "src"
FOLDERS = ["core", "codec", "schema", "sm"]
SAFE_SYSTEM = {
    "algorithm", "array", "cassert", "charconv", "compare", "cstddef", "cstdint", "cstring",
    "functional", "initializer_list", "iterator", "limits", "map", "memory", "optional", "set",
    "span", "string", "string_view", "tuple", "type_traits", "utility", "variant", "vector",
    "xxhash.h",  # pure hashing
}

def main():
    bad = []
    for folder in FOLDERS:
        for f in sorted((ROOT / folder).glob("*")):
            if f.suffix not in (".h", ".cc"):
                continue
            for n, line in enumerate(f.read_text().splitlines(), 1):
                m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
                if not m:
                    continue
                kind, name = m.groups()
                if kind == "<" and name not in SAFE_SYSTEM:
                    bad.append(f"{f.relative_to(ROOT)}:{n}: <{name}> is not on the state machine's allowlist")
                if kind == '"' and name.split("/")[0] not in FOLDERS:
                    bad.append(f"{f.relative_to(ROOT)}:{n}: \"{name}\" is outside {', '.join(FOLDERS)}")
    for b in bad:
        print(b)
    print(f"{len(bad)} forbidden includes in src/{{{','.join(FOLDERS)}}}")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main())
