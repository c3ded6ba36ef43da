"""HostedConfig and UsageSpec each feed their widgets, CLI flags and bounds from one dataclass."""
from __future__ import annotations

import argparse
from dataclasses import fields, replace

import pytest

from core.costs import UsageSpec, usage_counts, usage_field
from core.errors import InputError
from core.hosted.submit import HostedConfig, validate_config
from core.i18n import t
from core.paths import REPO_ROOT
from lab.commands import cost
from lab.commands.train_hosted import add_hosted_arguments

SUPPORT_EN = str(REPO_ROOT / "assets" / "samples" / "support_en.jsonl")


def bounds(name: str) -> tuple:
    meta = next(f for f in fields(HostedConfig) if f.name == name).metadata
    return meta["min"], meta["max"]


def _help_of(parser: argparse.ArgumentParser, flag: str) -> str:
    return next(a.help for a in parser._actions if flag in a.option_strings)


def test_hosted_flags_and_bounds_come_from_the_config_fields():
    parser = argparse.ArgumentParser()
    add_hosted_arguments(parser)
    flagged = [f for f in fields(HostedConfig) if f.metadata["flag"]]
    assert {f.metadata["flag"] for f in flagged} >= {"--batch-size", "--beta", "--seed", "--suffix"}
    for spec in flagged:
        assert _help_of(parser, spec.metadata["flag"]) == t(spec.metadata["help"]).replace("%", "%%")
    args = parser.parse_args(["--batch-size", "8", "--learning-rate-multiplier", "0.5"])
    assert (args.batch_size, args.learning_rate_multiplier) == (8, 0.5)
    good = HostedConfig(training_file=SUPPORT_EN, batch_size=bounds("batch_size")[1])
    validate_config(good)
    for name, value in (("batch_size", bounds("batch_size")[1] + 1), ("n_epochs", bounds("n_epochs")[0] - 1)):
        with pytest.raises(InputError) as caught:
            validate_config(replace(good, **{name: value}))
        assert caught.value.key == "hosted.errors.out_of_range" and caught.value.params["name"] == name


def test_usage_flags_defaults_and_limits_come_from_usage_spec():
    parser = argparse.ArgumentParser()
    cost.register(parser.add_subparsers())
    args = parser.parse_args(["cost", "--examples", "10", "--tokens-per-example", "5"])
    assert {name: int(getattr(args, name)) for name in usage_counts()} == {
        name: getattr(UsageSpec(), name) for name in usage_counts()}
    spec = usage_field("answer_tokens")
    assert spec["label"] == "costs.field.answer_tokens" and spec["bounds"][0] == 1
    with pytest.raises(InputError):
        UsageSpec(answer_tokens=spec["bounds"][1] + 1).validated()
