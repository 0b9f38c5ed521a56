"""``vidi-desktop models list|check``: the model folders the user brought, checked.

``list`` shows every sub-folder of the models folder (``--dir`` or the user's) with its
family, size, parameters, quantization and the first problem found; a broken folder is
listed, never fatal. ``check`` looks at one model (by name in that folder, or a path) and
adds the memory estimate; it exits with status 2 when something stops the model loading.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from vidi_desktop.commands.common import EXIT_OK, EXIT_USAGE


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``models`` with its ``list`` and ``check`` sub-commands."""
    p = sub.add_parser(
        "models",
        help="list and check the model weights you brought",
        description="Model folders live in one folder, one sub-folder per model "
        "(see the README for where it is on your system). Nothing is downloaded.",
    )
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    q = msub.add_parser(
        "list", help="every model folder, with its problems",
        description="List the model folders you brought: family, size, parameters, "
        "quantization and the first problem found in each.",
    )
    q.add_argument("--dir", metavar="DIR", help="models folder (default: your data folder's)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_cmd_list)

    q = msub.add_parser(
        "check", help="check one model before loading it",
        description="Check one model folder before loading it: config, every shard "
        "(truncated ones too), tokenizer and processor files, and whether it fits in memory; "
        "exit status 2 with the reason when it cannot load.",
    )
    q.add_argument(
        "model", metavar="NAME_OR_PATH", help="a folder name in the models folder, or a path"
    )
    q.add_argument("--dir", metavar="DIR", help="models folder (default: your data folder's)")
    q.add_argument(
        "--cuda", action="store_true", help="also read free GPU memory (imports torch, slower)"
    )
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_cmd_check)


def _cmd_list(args: argparse.Namespace) -> int:
    from pathlib import Path

    from vidi_desktop.models.manager import default_folder, list_models

    folder = Path(args.dir) if args.dir else default_folder()
    models = list_models(folder)
    if args.json:
        doc = {"folder": str(folder), "models": [m.to_json() for m in models]}
        print(json.dumps(doc, indent=2))
        return 0
    print(format_list(str(folder), [m.to_json() for m in models], folder.is_dir()))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from vidi_desktop.models.manager import check_model, resolve

    info = check_model(resolve(args.model, args.dir), cuda=True if args.cuda else None)
    if args.json:
        print(json.dumps(info.to_json(), indent=2))
    else:
        print(format_check(info.to_json()))
    return EXIT_OK if info.ok else EXIT_USAGE


def format_list(folder: str, models: list[dict[str, Any]], exists: bool = True) -> str:
    """The ``models list`` table from the JSON of each model."""
    from vidi_desktop.models.manager import human_count, human_size

    if not models:
        where = "does not exist yet" if not exists else "holds no model folder"
        return (
            f"Models folder {folder} {where}.\n"
            "Put one sub-folder per model there (config.json, weights, tokenizer files)."
        )
    rows = [("NAME", "FAMILY", "SIZE", "PARAMS", "QUANT", "STATUS")]
    for m in models:
        status = "ok" if m["ok"] else m["problems"][0]
        rows.append(
            (
                m["name"],
                m["family"],
                human_size(m["size"]),
                human_count(m["parameters"]),
                m["quantization"] or "none",
                status,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"Models in {folder}"]
    for r in rows:
        cells = "  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True))
        lines.append(f"  {cells}  {r[5]}")
    return "\n".join(lines)


def format_check(m: dict[str, Any]) -> str:
    """The ``models check`` report from a model's JSON."""
    from vidi_desktop.models.manager import human_count, human_size

    dtype = f", {m['dtype']}" if m["dtype"] else ""
    lines = [
        f"{m['name']}  ({m['path']})",
        f"  family        {m['family']}"
        + (f" (model_type {m['model_type']})" if m["model_type"] else "")
        + (f", served by the {m['backend']} backend" if m["backend"] else ""),
        f"  size on disk  {human_size(m['size'])}",
        f"  parameters    {human_count(m['parameters'])}{dtype}",
        f"  quantization  {m['quantization'] or 'none'}",
        f"  weights       {len(m['weights'])} {m['weights_format'] or ''} file(s)".rstrip(),
    ]
    memory = m.get("memory")
    if memory:
        ram = memory["ram_available"]
        ram_text = "unknown" if ram is None else human_size(ram)
        ram_text += " in all" if memory["ram_is_total"] else " free"
        gpus = memory["gpus"]
        if gpus is None:
            gpu_text = "not checked (--cuda)"
        elif not gpus:
            gpu_text = "no CUDA device"
        else:
            gpu_text = ", ".join(f"{g['name']} {human_size(g['free'])} free" for g in gpus)
        fits = {"gpu": "fits on the GPU", "cpu": "fits in RAM (CPU)", None: "does not fit"}
        lines.append(
            f"  memory        needs about {human_size(memory['needed'])}; RAM {ram_text}; "
            f"GPU {gpu_text}: {fits.get(memory['fits'], '?')}"
        )
    for problem in m["problems"]:
        lines.append(f"  problem       {problem}")
    for warning in m["warnings"]:
        lines.append(f"  warning       {warning}")
    lines.append("  ready to load" if m["ok"] else "  cannot load as it is")
    return "\n".join(lines)
