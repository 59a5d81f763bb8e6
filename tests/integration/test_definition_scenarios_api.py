"""A version's scenario files (``tests/<name>.yaml``): stored with it on deployment and in its
files download, never read as the model (a ``tests/*.json`` is no form; cases still start),
checked with the scenario runner's parser (a broken one is a 422 naming the file, in Chinese
unless English is asked for), not a new version on their own, and deployed from a process
folder as ``flowdesk deploy processes/`` does. On SQLite and PostgreSQL."""
from __future__ import annotations

import json
from pathlib import Path

from services.definitions import deploy_path, get_definition
from services.principal import system
from tests.conftest import PROCESSES, RESOURCES, bundle
from tests.integration.conftest import deploy

HAPPY = "name: 三步走完\nsteps:\n  - complete: step_one\n    data: {note: 好}\n"
AS_JSON = json.dumps({"name": "json scenario", "steps": [{"advance": "PT1H"}]})


def _detail(server, token: str, definition_id: int) -> dict:  # type: ignore[no-untyped-def]
    response = server.get(f"/api/v1/definitions/{definition_id}", token)
    assert response.status_code == 200, response.text
    return response.json()


def test_scenario_files_are_kept_with_the_version_and_downloaded(server, tokens) -> None:
    files = bundle(RESOURCES / "three_steps") | {"tests/happy.yaml": HAPPY.encode(),
                                                  "tests/timer.json": AS_JSON.encode()}
    first = deploy(server, tokens["designer"], files)
    assert first.status_code == 201, first.text
    assert first.json()["scenarios"] == ["tests/happy.yaml", "tests/timer.json"]
    assert first.json()["scenarios_replaced"] is False
    detail = _detail(server, tokens["designer"], first.json()["id"])
    assert detail["contents"]["tests/happy.yaml"] == HAPPY
    assert detail["contents"]["tests/timer.json"] == AS_JSON
    assert detail["files"] == ["step_one.json", "tests/happy.yaml", "tests/timer.json",
                               "three_steps.bpmn"]
    listed = server.get("/api/v1/definitions", tokens["designer"]).json()
    assert listed[0]["files"] == detail["files"]
    started = server.post("/api/v1/instances", tokens["agent"], json={"process_key": "three_steps"})
    assert started.status_code == 201, started.text  # the model parses without its tests


def test_a_broken_scenario_file_is_refused_naming_the_file(server, tokens) -> None:
    files = bundle(RESOURCES / "three_steps") | {
        "tests/ok.yaml": HAPPY.encode(),
        "tests/typo.yaml": b"name: typo\nsteps:\n  - click: step_one\n",
        "tests/broken.json": b'{"name": ',
        "tests/extra.yml": b"name: x\nwhen: now\n"}
    for path in ("/api/v1/definitions", "/api/v1/definitions/validate"):
        upload = [("files", (name, data)) for name, data in files.items()]
        zh = server.post(path, tokens["designer"], files=upload)
        assert zh.status_code == 422, zh.text
        errors = {e["file"]: e for e in zh.json()["errors"]}
        assert set(errors) == {"tests/typo.yaml", "tests/broken.json", "tests/extra.yml"}
        assert {e["code"] for e in errors.values()} == {"invalid_scenario"}
        assert errors["tests/typo.yaml"]["message"].startswith("第 1 步必须以 complete、message")
        assert errors["tests/broken.json"]["message"].startswith("无法读取为场景文件：")
        assert errors["tests/extra.yml"]["message"].startswith("未知的键 when")
        en = server.post(path, tokens["designer"], files=upload, headers={"Accept-Language": "en"})
        said = {e["file"]: e["message"] for e in en.json()["errors"]}
        assert said["tests/typo.yaml"].startswith("step 1 starts with one of complete, message")
    assert server.get("/api/v1/definitions", tokens["designer"]).json() == []


def test_a_bundle_differing_only_in_its_tests_replaces_the_versions_scenarios(
        server, tokens) -> None:
    """Tests are not the model: no new version (cases and timer starts stay where they are),
    the version's scenario files replaced; a bundle with none keeps them; a changed model is
    a new version with exactly the scenario files it brings."""
    model = bundle(RESOURCES / "three_steps")
    first = deploy(server, tokens["designer"], model | {"tests/a.yaml": HAPPY.encode()}).json()
    changed = HAPPY.replace("三步走完", "改过的").encode()
    again = deploy(server, tokens["designer"],
                   model | {"tests/a.yaml": changed, "tests/b.json": AS_JSON.encode()})
    assert again.status_code == 200, again.text
    assert again.json() | {} == first | {"created": False, "unchanged": True,
                                         "scenarios": ["tests/a.yaml", "tests/b.json"],
                                         "scenarios_replaced": True}
    contents = _detail(server, tokens["designer"], first["id"])["contents"]
    assert contents["tests/a.yaml"] == changed.decode() and "tests/b.json" in contents
    same = deploy(server, tokens["designer"],
                  model | {"tests/a.yaml": changed, "tests/b.json": AS_JSON.encode()}).json()
    assert (same["version"], same["scenarios_replaced"]) == (1, False)
    without = deploy(server, tokens["designer"], model).json()
    assert (without["version"], without["scenarios"]) == (1, ["tests/a.yaml", "tests/b.json"])
    new_model = dict(model, **{"step_one.json": model["step_one.json"].replace(b"Note", b"Remark")})
    second = deploy(server, tokens["designer"], new_model | {"tests/c.yaml": HAPPY.encode()})
    assert second.status_code == 201
    assert (second.json()["version"], second.json()["scenarios"]) == (2, ["tests/c.yaml"])
    versions = server.get("/api/v1/definitions?all_versions=true", tokens["designer"]).json()
    assert [v["version"] for v in versions] == [2, 1]


def test_deploying_process_folders_keeps_their_scenario_files(fd) -> None:  # type: ignore[no-untyped-def]
    """``flowdesk deploy processes/`` (deploy_path): each shipped process's tests/ travel with
    its version, under tests/<name>."""
    results = deploy_path(fd, PROCESSES, "cli")
    by = system("test", "admin")
    folders = {d.name: d for d in PROCESSES.iterdir() if (d / "tests").is_dir()}
    assert folders
    stored = {}
    for row, created in results:
        assert created
        files = get_definition(fd, by, row.id).files
        stored[row.key] = sorted(n for n in files if n.startswith("tests/"))
    for folder in folders.values():
        expected = sorted(f"tests/{f.name}" for f in (folder / "tests").iterdir()
                          if f.suffix in (".yaml", ".yml", ".json"))
        assert expected in stored.values(), (folder.name, stored)
    again = deploy_path(fd, Path(PROCESSES), "cli")
    assert [created for _, created in again] == [False] * len(results)
