"""`imr vocab audit`: wordings that do not canonicalise are listed with counts and an example."""

from __future__ import annotations

import json

from imr_cli.main import main

from .letters_factory import Item, LetterSpec, build_letter


def test_audit_lists_unknown_chapters_topics_and_sources(tmp_path, capsys):
    known = "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies."
    items = [
        Item("MRI of the lumbar spine", "Upheld", reviewer=known),
        Item(
            "Ketorolac injection",
            "Upheld",
            reviewer=(
                "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain Chapter, "
                "Zorbitrex flumination."
            ),
        ),
        Item(
            "Sleep study",
            "Upheld",
            reviewer=("Decision based on Non-MTUS Citation Journal of Imaginary Sleep Medicine, 2015."),
        ),
    ]
    for n in range(2):
        (tmp_path / f"letter{n}.txt").write_text(
            build_letter(LetterSpec(items=items, header=[f"Case Number: CM16-00000{n}1"])), encoding="utf-8"
        )
    assert main(["vocab", "audit", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 2
    unknown = {(u["kind"], u["key"]): u for u in report["unknown"]}
    assert ("topic", "ODG | Pain | Zorbitrex flumination") in unknown
    assert ("source", "Other | Journal of Imaginary Sleep Medicine, 2015") in unknown
    assert all(u["count"] == 2 and u["example"].endswith(".txt") for u in unknown.values())
    assert not any("Low Back" in k for _, k in unknown)
    assert main(["vocab", "audit", str(tmp_path)]) == 0
    assert "Zorbitrex flumination" in capsys.readouterr().out
    assert main(["vocab", "audit", str(tmp_path / "nope")]) == 2
