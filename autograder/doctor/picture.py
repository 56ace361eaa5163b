"""A drawing of each variable's differentiable path to the loss, with the op the doctor blames marked (the cut,
the NaN origin, the underflow). Matplotlib only (no Graphviz binary to install).

``chains(report_findings, trace, variables)`` runs inside ``diagnose`` while the traced graph exists and keeps
only plain data (op labels and lines) on the report; ``draw(report, path)`` renders it to SVG/PNG/PDF.
"""
from __future__ import annotations

from collections import deque

from . import op_kinds, paths
from .source import op_location

_MARK = {"nan_forward": "NaN origin", "nan_backward": "NaN origin", "underflow": "underflow",
         "saturation": "saturated", "flat_region": "gradient dies"}
_KEEP = 3   # ops kept at each end of a long chain and either side of the marked op


def _shortest(start_ops, goal, allowed) -> list:
    """Ops from one of ``start_ops`` to ``goal`` along data edges inside ``allowed`` (BFS), or []."""
    prev = {op: None for op in start_ops if op in allowed}
    queue = deque(prev)
    while queue:
        op = queue.popleft()
        if op is goal:
            out = []
            while op is not None:
                out.append(op)
                op = prev[op]
            return out[::-1]
        for t in op.outputs:
            for c in t.consumers():
                if c in allowed and c not in prev:
                    prev[c] = op
                    queue.append(c)
    return []


def _node(op) -> dict:
    return {"label": op_kinds.describe(op), "location": op_location(op)}


def _condense(chain: list, mark: int | None) -> tuple[list, int | None]:
    keep = set(range(min(_KEEP, len(chain)))) | set(range(max(0, len(chain) - _KEEP), len(chain)))
    if mark is not None:
        keep |= set(range(max(0, mark - 1), min(len(chain), mark + 2)))
    out, new_mark, gap = [], None, False
    for i, node in enumerate(chain):
        if i in keep:
            if i == mark:
                new_mark = len(out)
            out.append(node)
            gap = False
        elif not gap:
            out.append({"label": "…", "location": None, "elided": True})
            gap = True
    return out, new_mark


def chains(findings, trace, variables) -> list[dict]:
    """One entry per group of variables that share a diagnosis (cause and op): their path to the loss."""
    groups: dict = {}
    var_paths = getattr(trace, "var_paths", {}) if trace is not None else {}
    graph = getattr(trace, "graph", None)
    for f, v in zip(findings, variables):
        key = (f.status, f.cause, f.op)
        if key in groups:
            groups[key]["names"].append(f.name)
            continue
        entry = {"names": [f.name], "status": f.status, "cause": f.cause, "op": f.op_type or f.op,
                 "location": f.location, "chain": [], "mark": None, "side": None}
        groups[key] = entry
        vp = var_paths.get(id(v))
        if vp is None or graph is None:
            continue
        target = None
        if f.op:
            try:
                target = graph.get_operation_by_name(f.op)
            except (KeyError, ValueError):
                target = None
        starts = [op for op in vp.source.consumers()]
        allowed = vp.descendants | paths.ancestors(trace.output)
        to_loss = _shortest(starts, trace.output.op, vp.ops) if trace.output.op in vp.ops else []
        if target is not None and target in vp.descendants:
            head = _shortest(starts, target, vp.descendants)
            tail = _shortest([target], trace.output.op, allowed)
            chain = head + tail[1:] if head and tail else head or to_loss
            mark = head.index(target) if target in head else None
        else:
            chain, mark = to_loss, None
            if target is not None:  # the blamed op is off this variable's path (a NaN made elsewhere)
                below = paths.descendants(target.outputs)
                join = next((i for i, op in enumerate(chain) if op in below), len(chain) - 1)
                entry["side"] = dict(_node(target), join=join)
        nodes = [_node(op) for op in chain]
        entry["chain"], entry["mark"] = nodes, mark
    out = list(groups.values())
    for e in out:
        e["chain"], e["mark"] = _condense(e["chain"], e["mark"]) if e["chain"] else ([], None)
        if e["side"] is not None and e["chain"]:
            e["side"]["join"] = min(e["side"]["join"], len(e["chain"]) - 1)
    return out


def _who(names: list) -> str:
    return names[0] if len(names) == 1 else f"{names[0]} (+{len(names) - 1} more)"


def draw(report, path: str, max_rows: int = 12) -> str:
    """Render ``report.paths`` (one row per group of variables) to ``path`` (.svg, .png, .pdf); returns path."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    rows = list(getattr(report, "paths", None) or [])[:max_rows]
    if not rows:
        rows = [{"names": [f.name], "status": f.status, "cause": f.cause, "op": f.op_type, "location": f.location,
                 "chain": [], "mark": None, "side": None} for f in report.findings][:max_rows]
    width = max([len(r["chain"]) for r in rows] + [1]) + 2
    with plt.rc_context({"svg.fonttype": "none", "font.size": 8}):
        fig, ax = plt.subplots(figsize=(max(6.0, 1.55 * width), 1.5 + 1.35 * len(rows)))
        for row, r in enumerate(rows):
            yy = -row * 1.35
            xs = list(range(len(r["chain"]) + 2))
            labels = ([_who(r["names"])] + [n["label"] for n in r["chain"]] + ["loss"])
            colour = {"ok": "#2e7d32"}.get(r["status"], "#c62828")
            broken_link = not r["chain"] and r["status"] != "ok"
            for i in range(len(xs) - 1):
                ax.annotate("", xy=(xs[i + 1] - 0.42, yy), xytext=(xs[i] + 0.42, yy),
                            arrowprops=dict(arrowstyle="->", color="#999999" if broken_link else "#555555",
                                            linestyle="--" if broken_link else "-"))
            for i, (x, label) in enumerate(zip(xs, labels)):
                marked = r["mark"] is not None and i == r["mark"] + 1
                face = "#ffcdd2" if marked else ("#e3f2fd" if i == 0 else "#f5f5f5")
                ax.text(x, yy, label, ha="center", va="center", fontsize=7,
                        bbox=dict(boxstyle="round,pad=0.3", fc=face, ec=colour if marked else "#777777",
                                  lw=2 if marked else 0.8))
                if marked:
                    what = _MARK.get(r["cause"], "cut")
                    loc = r["chain"][r["mark"]]["location"] or r["location"] or ""
                    ax.text(x, yy + 0.45, f"{what} ({r['cause']})\n{loc}", ha="center", va="bottom", fontsize=6,
                            color=colour)
            if r["side"] is not None:
                sx = xs[r["side"]["join"] + 1] - 0.5
                ax.text(sx, yy + 0.6, r["side"]["label"], ha="center", va="center", fontsize=7,
                        bbox=dict(boxstyle="round,pad=0.3", fc="#ffcdd2", ec=colour, lw=2))
                ax.text(sx, yy + 0.85, f"{_MARK.get(r['cause'], 'origin')} ({r['cause']}) "
                        f"{r['side']['location'] or ''}", ha="center", va="bottom", fontsize=6, color=colour)
                ax.annotate("", xy=(xs[r["side"]["join"] + 1], yy + 0.15), xytext=(sx, yy + 0.45),
                            arrowprops=dict(arrowstyle="->", color=colour))
            status = "ok" if r["status"] == "ok" else f"{r['status']}: {r['cause']}"
            if broken_link:
                status += f" at {r['location']}" if r["location"] else ""
            ax.text(xs[-1] + 0.6, yy, status, ha="left", va="center", fontsize=7, color=colour)
        ax.set_xlim(-0.8, width + 2.5)
        ax.set_ylim(-1.35 * len(rows) + 0.5, 1.4)
        ax.axis("off")
        ax.set_title("gradient doctor: each variable's path to the loss", fontsize=9)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


__all__ = ["chains", "draw"]
