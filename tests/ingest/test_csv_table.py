"""The CSV reader: records, values and line numbers as the rule in its docstring says, checked
against Python's csv module reading the same text with line breaks at CR and LF only."""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowgap
from flowgap.errors import InputError
from flowgap.ingest.csv_table import (
    MAX_COLUMNS,
    PY_SPACE,
    column_index,
    open_csv,
    optional_index,
    sniff_delimiter,
)


def python_reading(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, stripped cells padded to the header) of each record, by Python's csv
    module: blank lines are no record, the line of a record is where it starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    rows = []
    line = reader.line_num + 1
    for row in reader:
        if row:
            cells = [c.strip() for c in row][: len(header)]
            rows.append((line, cells + [""] * (len(header) - len(cells))))
        line = reader.line_num + 1
    return header, rows


def our_reading(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    # the reading rule itself, also for text that ends inside quotes (a whole file that does
    # is refused: test_a_quote_that_never_closes_...)
    table = open_csv(path, whole=False)
    records = table.read_all()
    columns = [records.values(i).to_pylist() for i in range(len(table.header))]
    rows = list(zip(records.lines.tolist(), map(list, zip(*columns, strict=True)), strict=True))
    return table.header, rows


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode())
    return p


PIECES = [
    "a",
    "b",
    "é",
    " ",
    "\t",
    '"',
    '""',
    ",",
    ";",
    "\n",
    "\r\n",
    "\r",
    "\x0b",
    "\u2028",
    "x y",
]


@given(
    body=st.lists(st.sampled_from(PIECES), max_size=40),
    delimiter=st.sampled_from([",", ";"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_records_and_lines_are_pythons_csv(
    tmp_path: Path, body: list[str], delimiter: str, newline: str
) -> None:
    """Any text, however its quotes are written: the same records, values and lines as
    Python's csv module."""
    text = delimiter.join(["h1", "h2", "h3"]) + newline + "".join(body)
    p = write(tmp_path, text)
    assert our_reading(p) == python_reading(text, delimiter)


def test_quoted_values_blank_lines_and_ragged_records(tmp_path: Path) -> None:
    text = (
        "item,note,n\n"
        'A,"two\nlines",1\n'  # 2: a value spanning lines
        "\n"  # 4: blank, no record
        "B,short\n"  # 5: a missing field is ""
        'C,"x ""quoted""", 3,extra\n'  # 6: an extra field is ignored
        "  \n"  # 7: spaces: a record of one empty value
        'D,"a\r\n\r\nb",4\r\n'  # 8: a blank line inside quotes
        "E,y,5"  # 11: no line break at the end
    )
    p = write(tmp_path, text)
    header, rows = our_reading(p)
    assert header == ["item", "note", "n"]
    assert rows == [
        (2, ["A", "two\nlines", "1"]),
        (5, ["B", "short", ""]),
        (6, ["C", 'x "quoted"', "3"]),
        (7, ["", "", ""]),
        (8, ["D", "a\r\n\r\nb", "4"]),
        (11, ["E", "y", "5"]),
    ]
    assert (header, rows) == python_reading(text, ",")


def test_only_cr_and_lf_split_lines(tmp_path: Path) -> None:
    """Characters str.splitlines splits at are ordinary characters of a value."""
    odd = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
    lines = ["item,status"] + [f"A-{i},Op{c}en" for i, c in enumerate(odd)] + ["Z,\rY,cr"]
    p = write(tmp_path, "\n".join(lines) + "\n")
    _header, rows = our_reading(p)
    assert [line for line, _ in rows] == [*list(range(2, 2 + len(odd))), 2 + len(odd), 3 + len(odd)]
    assert [cells[1] for _, cells in rows[: len(odd)]] == [f"Op{c}en" for c in odd]
    assert rows[-1] == (3 + len(odd), ["Y", "cr"])


def test_header_spanning_lines_and_line_numbers_after_it(tmp_path: Path) -> None:
    p = write(tmp_path, 'it"em,"fr\nom",to\nA,B,C\n')
    header, rows = our_reading(p)
    assert header == ['it"em', "fr\nom", "to"]
    assert rows == [(3, ["A", "B", "C"])]


def test_a_long_header_ending_in_cr_lf(tmp_path: Path) -> None:
    """The header is found in a growing prefix: a CR LF across its end is one line break."""
    name = "h" * ((1 << 16) - 3)
    p = write(tmp_path, f"{name},b\r\nA,B\r\nC,D\r\n")
    table = open_csv(p)
    assert table.header == [name, "b"]
    assert table.read_all().lines.tolist() == [2, 3]


def test_strip_is_str_strip() -> None:
    assert set(PY_SPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_values_are_stripped_as_str_strip(tmp_path: Path) -> None:
    p = write(tmp_path, "a,b\n\u00a0Zoë\u3000,\u2003\n x\x1f ,\tö\t\n")
    _, rows = our_reading(p)
    assert rows == [(2, ["Zoë", ""]), (3, ["x", "ö"])]


def test_encodings_bom_and_gzip(tmp_path: Path) -> None:
    text = "item,status\nA-1,Prüfung\n"
    for name, data, warning in [
        ("utf8.csv", text.encode(), None),
        ("bom.csv", b"\xef\xbb\xbf" + text.encode(), None),
        ("utf16.csv", text.encode("utf-16"), None),
        ("utf16-bom.csv", ("\ufeff" + text).encode("utf-16"), None),  # a BOM in the text too
        ("latin1.csv", text.encode("latin-1"), "not valid UTF-8 (line 2); read as latin-1"),
        ("gz.csv", gzip.compress(text.encode()), None),
    ]:
        p = tmp_path / name
        p.write_bytes(data)
        table = open_csv(p)
        assert (table.header, table.warning) == (["item", "status"], warning), name
        assert table.read_all().values(1).to_pylist() == ["Prüfung"], name


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "holds no records \\(empty file\\)"),
        (b" \n\t\r\n", "holds no records \\(only whitespace\\)"),
        ("\u3000\n".encode(), "holds no records \\(only whitespace\\)"),
        (b"\nitem,status\nA,B\n", "empty header line"),
        (b" , \nA,B\n", "empty header line"),
        (b"item,status\x00\n", "binary data, not a text file"),
    ],
)
def test_unreadable_files(tmp_path: Path, data: bytes, problem: str) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(data)
    with pytest.raises(InputError, match=problem):
        open_csv(p)


def test_header_only(tmp_path: Path) -> None:
    for text in ("item,status", "item,status\n", "item,status\r\n\r\n"):
        records = open_csv(write(tmp_path, text)).read_all()
        assert len(records) == 0
        assert records.values(0).to_pylist() == []


def test_delimiter_from_the_header_line() -> None:
    assert sniff_delimiter(b"a;b;c") == ";"
    assert sniff_delimiter(b"a\tb") == "\t"
    assert sniff_delimiter(b"a|b|c,d") == "|"
    assert sniff_delimiter(b'"a;b;c",d') == ","  # a delimiter inside quotes splits nothing
    assert sniff_delimiter(b"a;b,c") == ","  # a tie goes to the comma
    assert sniff_delimiter(b"abc") == ","


def test_a_record_longer_than_a_block(tmp_path: Path) -> None:
    long = "x" * (17 << 20)
    p = write(tmp_path, f'a,b\n1,"{long}"\n2,y\n')
    records = open_csv(p).read_all()
    assert records.lines.tolist() == [2, 3]
    assert [len(v) for v in records.values(1).to_pylist()] == [len(long), 1]


def test_no_pandas_import(tmp_path: Path) -> None:
    """pyarrow imports pandas (about a second) on some calls; reading makes none."""
    p = write(tmp_path, 'a;b\n" x ";"y\nz"\nshort\n\n\u00a0q;r;s\n')
    code = (
        "import sys; from pathlib import Path; from flowgap.ingest.csv_table import open_csv;"
        f"r = open_csv(Path({str(p)!r})).read_all();"
        "assert r.lines.tolist() == [2, 4, 6], r.lines;"
        "assert r.values(0).to_pylist() == ['x', 'short', 'q'];"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_a_windows_1252_ellipsis_stays_in_its_value_and_splits_no_row(tmp_path: Path) -> None:
    """Read as latin-1, byte 0x85 is NEL: str.strip() removed it ("Ann…" became "Ann") and
    str.splitlines() made a phantom row of what followed."""
    p = tmp_path / "cp1252.csv"
    p.write_bytes(
        "item,from,to,timestamp,author\nA-1,,Open,2025-01-06T09:00:00Z,Ann…\n"
        "A-1,Open,Done,2025-01-07T09:00:00Z,Bo „x“ €\n".encode("cp1252")
    )
    result = flowgap.load(p)
    assert result.events.column("actor").to_pylist() == ["Ann…", "Ann…", "Bo „x“ €"]
    assert [(i.records_read, i.records_loaded) for i in result.inputs] == [(2, 2)]
    assert [w.message for w in result.warnings if w.kind == "encoding"] == [
        "not valid UTF-8 (line 2); read as Windows-1252"
    ]


def test_a_quote_that_never_closes_is_one_line_naming_where_it_opens(tmp_path: Path) -> None:
    # Without the check the record of line 4 swallowed line 5 into its value, and A-6 was
    # neither loaded nor rejected.
    p = tmp_path / "x.csv"
    p.write_bytes(
        b'item,from,to,timestamp\nA-1,,"Multi\nline",2025-01-01\n'
        b'A-5,,"Backlog,2025-01-01\nA-6,,Backlog,2025-01-01\n'
    )
    with pytest.raises(InputError) as info:
        open_csv(p)
    assert str(info.value) == (
        f"{p}: line 4: a quote opens a value that never closes: the rest of the file would be"
        " one value"
    )
    assert len(open_csv(p, whole=False).read_all()) == 2  # a head may end inside


def test_a_nul_byte_anywhere_is_one_line_naming_its_line(tmp_path: Path) -> None:
    # past the first 4 KB the decoder's check missed it: "Back\x00log" became a status
    rows = "".join(f"A-{i},x\n" for i in range(1000))
    p = write(tmp_path, "item,to\n" + rows + "B,Back\x00log\n")
    with pytest.raises(InputError) as info:
        open_csv(p)
    assert str(info.value) == f"{p}: line 1002: a NUL byte: binary data, not a text file"


def test_a_mapped_column_named_twice_is_an_error_an_unmapped_one_is_not(tmp_path: Path) -> None:
    header = ["item", "to", "timestamp", "to", "x", "x"]
    p = tmp_path / "t.csv"
    with pytest.raises(InputError) as info:
        column_index(header, "to", p, "input.transitions.to")
    assert str(info.value) == (
        f"{p}: the header names column 'to' 2 times (columns 2, 4): rename all but the one"
        " that holds the values"
    )
    assert column_index(header, "timestamp", p, "input.transitions.timestamp") == 2
    assert optional_index(header, "team", p) is None
    with pytest.raises(InputError, match="'x' 2 times"):
        optional_index(header, "x", p)


def test_a_missing_column_names_a_few_columns_the_closest_first(tmp_path: Path) -> None:
    # Every column of the header was listed: 10,000 columns made a 129 KB reason, shown whole
    # by the dashboard's upload.
    columns = [f"column_{i}" for i in range(10_000)]
    columns[5000] = "Timestamp"
    p = tmp_path / "wide.csv"
    p.write_text(",".join(columns) + "\n" + ",".join("x" * len(columns)) + "\n")
    with pytest.raises(InputError) as info:
        column_index(columns, "timestamp", p, "input.csv.timestamp")
    shown = ", ".join(["Timestamp", *columns[:11]])
    assert str(info.value) == (
        f"{p}: missing column 'timestamp' (config key input.csv.timestamp); columns: {shown}"
        " and 9,988 more"
    )
    cfg = flowgap.Config.from_dict({"input": {"format": "csv"}})
    with pytest.raises(InputError, match=r"columns: column_0, .* and 9,988 more$") as info:
        flowgap.load(p, cfg)
    assert len(str(info.value)) < 300


def test_utf8_mixed_with_8_bit_text_is_read_line_by_line(tmp_path: Path) -> None:
    # read whole as latin-1, the UTF-8 "Bäcklog" of line 2 became "BÃ¤cklog": two statuses
    p = tmp_path / "mixed.csv"
    p.write_bytes("item,to\nA-1,Bäcklog\n".encode() + "A-2,Bäcklog\nA-3,Ann…\n".encode("cp1252"))
    table = open_csv(p)
    assert table.read_all().values(1).to_pylist() == ["Bäcklog", "Bäcklog", "Ann…"]
    assert table.warning == (
        "UTF-8 mixed with 8-bit text: 2 line(s) not valid UTF-8 (the first: line 3) read as"
        " Windows-1252, the others as UTF-8"
    )


def test_a_header_of_too_many_columns_is_one_line(tmp_path: Path) -> None:
    # 300,000 columns (2.6 MB) aborted the process inside Arrow's reader
    names = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    p = write(tmp_path, f"item,to,{names}\nA,B\n")
    with pytest.raises(InputError) as info:
        open_csv(p)
    assert str(info.value) == f"{p}: line 1: the header has more than 10,000 columns"


def test_a_record_of_too_many_fields_is_one_line(tmp_path: Path) -> None:
    """A row of 4,200,000 empty cells made Arrow fail reading it again ("row group ...
    exceeds the maximum number of values") with a traceback. A record over the header's
    limit is refused as the header is; one a little long keeps its first fields."""
    p = write(tmp_path, "item,to\nA,B\nC,D" + "," * (MAX_COLUMNS + 5) + "\nE,F\n")
    with pytest.raises(InputError) as info:
        open_csv(p).read_all()
    assert str(info.value) == (
        f"{p}: record 2 after the header: a record of 10,007 fields, more than 10,000 (the"
        " header has 2)"
    )
    p = write(tmp_path, "item,to\nA,B\nC,D" + "," * 50 + "\nE,F\n")
    records = open_csv(p).read_all()
    assert records.values(0).to_pylist() == ["A", "C", "E"]
    assert records.values(1).to_pylist() == ["B", "D", "F"]
