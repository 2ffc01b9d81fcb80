"""Command-line tools write into the repository only when asked: --out has no default."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("module", ["core.train", "core.experiments", "core.model_study",
                                    "core.colorize"])
def test_out_is_required(module, capsys):
    import importlib

    main = importlib.import_module(module).main
    args = ["photo.jpg"] if module == "core.colorize" else ["--data", "../shared/data"]
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 2 and "--out" in capsys.readouterr().err


def test_evaluate_needs_out_to_evaluate(capsys):
    from core.evaluate import main

    assert main(["--data", "../shared/data"]) == 2
    assert "--out" in capsys.readouterr().err
