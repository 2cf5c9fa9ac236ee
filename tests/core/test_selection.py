"""The one owner of the model choice: stable key order, A/B, compare, fallback, subscribers."""

from __future__ import annotations

from pathlib import Path

from featherface_app.core.selection import ModelSelection, SelectionSnapshot


def make(tmp_path: Path, **kwargs: object) -> tuple[ModelSelection, list[SelectionSnapshot], dict[str, Path]]:
    shipped = tmp_path / "models"
    files = {
        "v1": shipped / "featherface_v1_cbam.onnx",
        "v2": shipped / "featherface_v2_eca.onnx",
        "extra": shipped / "another_shipped.onnx",
        "mine": tmp_path / "user" / "mine.onnx",
        "yunet": tmp_path / "user" / "yunet.onnx",
    }
    selection = ModelSelection(shipped, **kwargs)  # type: ignore[arg-type]
    seen: list[SelectionSnapshot] = []
    selection.subscribe(seen.append)
    return selection, seen, files


def test_keys_follow_shipped_order_then_user_order_whatever_loads_first(tmp_path: Path) -> None:
    selection, seen, f = make(tmp_path)
    for key in ("mine", "extra", "v2", "yunet", "v1"):  # the order files happen to be listed in
        selection.expect(f[key])
    assert seen[-1].loading == 5 and seen[-1].names == ()
    for key in ("yunet", "v2", "mine", "v1", "extra"):  # and the order they finish loading in
        selection.loaded(f[key], key.upper())
    assert selection.names() == ["V1", "V2", "EXTRA", "MINE", "YUNET"]
    assert selection.choose_slot(0) == "V1" and selection.choose_slot(4) == "YUNET" and selection.choose_slot(5) is None
    assert seen[-1].active == "YUNET" and seen[-1].names[1] == "V2"  # choosing never reorders


def test_wanted_models_become_a_and_b_when_they_load(tmp_path: Path) -> None:
    selection, seen, f = make(tmp_path, wanted_a=str(f_path(tmp_path, "featherface_v2_eca.onnx")), wanted_b="v1-cbam")
    selection.expect(f["v1"])
    selection.expect(f["v2"])
    selection.loaded(f["v1"], "V1", "v1-cbam")
    assert (seen[-1].active, seen[-1].second) == ("V1", None)  # the only one so far is shown
    selection.loaded(f["v2"], "V2", "v2-eca")
    assert (seen[-1].active, seen[-1].second) == ("V2", "V1")


def f_path(tmp_path: Path, name: str) -> Path:
    return (tmp_path / "models" / name).resolve()


def test_compare_and_swaps(tmp_path: Path) -> None:
    selection, seen, f = make(tmp_path)
    for key in ("v1", "v2", "mine"):
        selection.expect(f[key])
        selection.loaded(f[key], key)
    assert seen[-1].running_second is None
    selection.set_compare(True, "overlay")
    assert (seen[-1].active, seen[-1].running_second, seen[-1].layout) == ("v1", "v2", "overlay")
    selection.choose_a("v2")  # A takes B's model: they swap
    assert (seen[-1].active, seen[-1].second) == ("v2", "v1")
    selection.choose_b("v2")
    assert (seen[-1].active, seen[-1].second) == ("v1", "v2")
    assert not selection.choose_a("not loaded")
    assert selection.chosen_files() == (str(f["v1"]), str(f["v2"]))


def test_a_failing_model_falls_back_and_a_failing_b_ends_compare(tmp_path: Path) -> None:
    selection, seen, f = make(tmp_path)
    for key in ("v1", "v2", "mine"):
        selection.expect(f[key], remember=key == "mine")
        selection.loaded(f[key], key)
    selection.set_compare(True)
    selection.model_failed("v2", None)
    assert not seen[-1].compare and seen[-1].active == "v1"
    selection.choose_a("mine")
    selection.model_failed("mine", "v1")
    assert seen[-1].active == "v1"
    assert selection.remembered_files() == [str(f["mine"])]
    selection.load_failed(f["mine"])
    assert selection.names() == ["v1", "v2"] and selection.remembered_files() == []
