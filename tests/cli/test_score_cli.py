"""`microneedling score`: list, score a file or stdin, ask interactively, compare two files.

Most tests drive `microneedling.cli.app` through Typer's runner; a few run the installed console
script, and one runs every example of docs/scores.md to check it gives the documented result.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from microneedling.cli import app

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).parent / "microneedling"
WORKED_EXAMPLES: list[dict[str, Any]] = json.loads(
    (ROOT / "tests" / "scores" / "worked_examples.json").read_text("utf-8")
)
DOCS = ROOT / "docs" / "scores.md"
ITA_TOLERANCE = 0.01
CODES = {example["code"] for example in WORKED_EXAMPLES}
VSS = {"pigmentation": 2, "vascularity": 2, "pliability": 2, "height": 2}
runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, ["score", *args], input=stdin)


def json_out(stdout: str) -> Any:
    """The JSON document in stdout (interactive runs echo the answers before it)."""
    start = min(i for i in (stdout.find("{"), stdout.find("[")) if i >= 0)
    return json.loads(stdout[start:])


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def assert_input_error(result: Any, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_help_explains_every_form() -> None:
    result = runner.invoke(app, ["score", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for form in ("score list", "INPUT.json", "--interactive", "BEFORE.json AFTER.json --change"):
        assert form in text


def test_list_json_has_one_row_per_instrument_with_citations() -> None:
    result = invoke("list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {row["code"] for row in rows} == CODES
    for row in rows:
        assert isinstance(row["name"], str) and row["name"]
        low, high = row["range"]
        assert low < high
        assert row["references"] and len(row["citations"]) == len(row["references"])
    glogau = next(row for row in rows if row["code"] == "glogau")
    assert glogau["range"] == [1, 4]
    assert "Glogau RG" in glogau["citations"][0]


def test_list_prints_a_table_and_says_what_is_not_available() -> None:
    result = invoke("list")
    assert result.exit_code == 0
    for code in CODES:
        assert code in result.stdout
    assert "facial_acne_scar_qol" in result.stdout
    assert "Fitzpatrick TB" in result.stdout


@pytest.mark.parametrize("example", [pytest.param(e, id=e["id"]) for e in WORKED_EXAMPLES])
def test_worked_examples_as_json(tmp_path: Path, example: dict[str, Any]) -> None:
    result = invoke(example["code"], write(tmp_path, "input.json", example["input"]), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"instrument", "score", "band", "range", "references"} <= set(data)
    assert data["instrument"] == example["code"]
    if example["code"] == "ita":
        assert data["score"] == pytest.approx(example["score"], abs=ITA_TOLERANCE)
    else:
        assert data["score"] == example["score"]
    assert data["band"] == example["band"]
    assert data["range"][0] <= data["score"] <= data["range"][1]
    assert data["references"] and len(data["citations"]) == len(data["references"])


def test_a_single_gais_result_says_whether_the_client_responded(tmp_path: Path) -> None:
    improved = invoke("gais", write(tmp_path, "a.json", {"scale": "signed", "rating": 1}), "--json")
    unchanged = invoke(
        "gais", write(tmp_path, "b.json", {"scale": "signed", "rating": 0}), "--json"
    )
    assert json.loads(improved.stdout)["responded"] is True
    assert json.loads(unchanged.stdout)["responded"] is False


def test_a_table_by_default(tmp_path: Path) -> None:
    result = invoke("mmasi", write(tmp_path, "in.json", WORKED_EXAMPLES[6]["input"]))
    assert result.exit_code == 0
    assert "5.8" in result.stdout
    assert "moderate" in result.stdout
    assert "Pandya AG" in result.stdout


def test_dash_reads_standard_input() -> None:
    result = invoke("ludwig", "-", "--json", stdin='{"grade": "III"}')
    assert result.exit_code == 0
    assert (json.loads(result.stdout)["score"], json.loads(result.stdout)["band"]) == (3, "III")


def test_interactive_asks_each_item_and_asks_again_after_a_bad_answer() -> None:
    answers = ["1", "2", "1", "2", "5", "2", "2", "2", "2", "1", "2"]  # "5" is refused, then 2
    result = invoke(
        "fitzpatrick_questionnaire", "--interactive", "--json", stdin="\n".join(answers) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert (json_out(result.stdout)["score"], json_out(result.stdout)["band"]) == (17, "III")
    assert "burn_after_long_sun" in result.stderr
    assert "0 / 1 / 2 / 3 / 4" in result.stderr
    assert "please answer again" in result.stderr


def test_interactive_union_asks_the_scale_first() -> None:
    result = invoke("gais", "-i", "--json", stdin="seven\nsigned\n3\n")
    assert result.exit_code == 0, result.output
    data = json_out(result.stdout)
    assert (data["score"], data["band"], data["responded"]) == (3, "very_much_improved", True)


def test_change_as_json(tmp_path: Path) -> None:
    before = write(tmp_path, "before.json", VSS)
    after = write(tmp_path, "after.json", {**VSS, "pliability": 0, "height": 1})
    result = invoke("vss", before, after, "--change", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["before"]["score"], data["after"]["score"]) == (8, 5)
    assert data["absolute_change"] == -3
    assert data["relative_change_pct"] == pytest.approx(-37.5)
    assert data["clinically_meaningful_improvement"] is None


def test_change_from_zero_has_a_null_relative_change(tmp_path: Path) -> None:
    zero = dict.fromkeys(VSS, 0)
    before, after = write(tmp_path, "b.json", zero), write(tmp_path, "a.json", VSS)
    data = json.loads(invoke("vss", before, after, "--change", "--json").stdout)
    assert (data["absolute_change"], data["relative_change_pct"]) == (8, None)


def test_change_as_a_table(tmp_path: Path) -> None:
    before = write(tmp_path, "before.json", VSS)
    after = write(tmp_path, "after.json", {**VSS, "height": 0})
    result = invoke("vss", before, after, "--change")
    assert result.exit_code == 0
    assert "-2" in result.stdout
    assert "-25.0 %" in result.stdout


def test_change_refuses_gais(tmp_path: Path) -> None:
    rating = write(tmp_path, "gais.json", {"scale": "five_point", "rating": 2})
    result = invoke("gais", rating, rating, "--change")
    assert_input_error(result, "gais already rates the change")


def test_change_refuses_two_different_posas_parts(tmp_path: Path) -> None:
    observer = {
        "part": "observer",
        **dict.fromkeys(
            ("vascularity", "pigmentation", "thickness", "relief", "pliability", "surface_area"), 2
        ),
    }
    patient = {
        "part": "patient",
        **dict.fromkeys(("pain", "itching", "color", "stiffness", "thickness", "irregularity"), 2),
    }
    result = invoke(
        "posas", write(tmp_path, "o.json", observer), write(tmp_path, "p.json", patient), "--change"
    )
    assert_input_error(result, "after.part", "observer")


def test_change_names_the_file_with_the_bad_item(tmp_path: Path) -> None:
    before = write(tmp_path, "b.json", VSS)
    after = write(tmp_path, "a.json", {**VSS, "height": 4})
    assert_input_error(invoke("vss", before, after, "--change"), "after.height", "0, 1, 2, 3")


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        pytest.param({**VSS, "height": 9}, ["height", "allowed: 0, 1, 2, 3"], id="out-of-range"),
        pytest.param({**VSS, "height": True}, ["height", "valid integer"], id="bool-as-int"),
        pytest.param({**VSS, "height": 1.0}, ["height", "valid integer"], id="float-as-int"),
        pytest.param(
            {k: v for k, v in VSS.items() if k != "height"}, ["height", "is required"], id="missing"
        ),
        pytest.param(
            {**VSS, "itching": 1}, ["itching", "unknown item", "pigmentation"], id="unknown"
        ),
        pytest.param([1, 2], ["must be a JSON object"], id="not-an-object"),
    ],
)
def test_bad_items_exit_2_naming_the_item(
    tmp_path: Path, data: object, fragments: list[str]
) -> None:
    assert_input_error(invoke("vss", write(tmp_path, "bad.json", data)), *fragments)


def test_an_unknown_code_exits_2_listing_the_codes(tmp_path: Path) -> None:
    result = invoke("dlqi", write(tmp_path, "x.json", {}))
    assert_input_error(
        result, "unknown instrument 'dlqi'", "glogau", "wrinkle_severity_rating_scale"
    )


def test_fasqol_is_not_available() -> None:
    assert_input_error(invoke("facial_acne_scar_qol", "-", stdin="{}"), "not available")


def test_bad_json_and_missing_files_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"grade": ', encoding="utf-8")
    assert_input_error(invoke("ludwig", str(broken)), "not valid JSON")
    assert_input_error(invoke("ludwig", str(tmp_path / "absent.json")), "no such file")
    assert_input_error(invoke("ludwig", "-", stdin="not json"), "not valid JSON")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["vss"], id="no-input"),
        pytest.param(["vss", "a.json", "b.json"], id="two-inputs-without-change"),
        pytest.param(["vss", "a.json", "--change"], id="change-with-one-input"),
        pytest.param(["vss", "-", "-", "--change"], id="stdin-twice"),
        pytest.param(["vss", "a.json", "--interactive"], id="interactive-with-a-file"),
        pytest.param(["list", "a.json"], id="list-with-a-file"),
    ],
)
def test_wrong_forms_exit_2_with_a_message(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error:")


# The installed console script, as a user runs it.


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "score", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "example",
    [
        pytest.param(e, id=e["id"])
        for e in WORKED_EXAMPLES
        if e["code"] in ("masi", "salt", "posas")
    ],
)
def test_console_script_worked_examples(tmp_path: Path, example: dict[str, Any]) -> None:
    result = run(example["code"], write(tmp_path, "in.json", example["input"]), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["score"], data["band"]) == (example["score"], example["band"])


def test_console_script_reads_stdin_and_refuses_bad_input() -> None:
    result = run("gags", "-", "--json", stdin=json.dumps(WORKED_EXAMPLES[7]["input"]))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["band"] == "moderate"
    bad = run("gags", "-", stdin='{"forehead": 7}')
    assert bad.returncode == 2
    assert "forehead" in bad.stderr and "0, 1, 2, 3, 4" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_importing_the_command_loads_neither_pydantic_nor_the_scores() -> None:
    code = (
        "import sys, microneedling.cli.score; "
        "print('pydantic' in sys.modules, 'microneedling.scores' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


# The examples of docs/scores.md.

BLOCK = re.compile(r"```json (input|result)=(\w+)\n(.*?)```", re.DOTALL)


def documented_examples() -> list[Any]:
    blocks = BLOCK.findall(DOCS.read_text("utf-8"))
    inputs = [(code, json.loads(body)) for kind, code, body in blocks if kind == "input"]
    results = [(code, json.loads(body)) for kind, code, body in blocks if kind == "result"]
    assert len(inputs) == len(results)
    return [
        pytest.param(code, data, expected, id=f"docs-{code}-{number}")
        for number, ((code, data), (result_code, expected)) in enumerate(
            zip(inputs, results, strict=True)
        )
        if code == result_code
    ]


def test_every_instrument_has_a_documented_example() -> None:
    assert {param.values[0] for param in documented_examples()} == CODES


@pytest.mark.parametrize(("code", "data", "expected"), documented_examples())
def test_documented_examples_reproduce(
    tmp_path: Path, code: str, data: Any, expected: dict[str, Any]
) -> None:
    result = invoke(code, write(tmp_path, "doc.json", data), "--json")
    assert result.exit_code == 0, result.output
    produced = json.loads(result.stdout)
    for key, value in expected.items():
        if key == "score" and code == "ita":
            assert produced[key] == pytest.approx(value, abs=ITA_TOLERANCE)
        else:
            assert produced[key] == value, key
