"""Markdown tables for BENCHMARKS.md from one run's results.

Each run owns a section between `<!-- bench:LABEL -->` markers, so runs at
different sizes (10k letters on both engines, 1M passages on Tantivy) sit side
by side and re-running one size replaces only its own section. Text outside
the markers (the summary written by people) is never touched.
"""

from __future__ import annotations

import re
from pathlib import Path


def _mb(n: int | float) -> str:
    return f"{n / 1e6:,.1f}"


def _n(x) -> str:
    if isinstance(x, float):
        return f"{x:,.1f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _ms(x) -> str:
    return f"{x:,.1f}" if isinstance(x, (int, float)) else "-"


def _ratio(a, b) -> str:
    try:
        return f"{a / b:,.1f}x"
    except (TypeError, ZeroDivisionError):
        return "-"


def render(res: dict) -> str:
    m = res["machine"]
    c = res.get("corpus", {})
    out: list[str] = []
    out.append(f"### {res['label']}")
    out.append("")
    out.append(
        f"- Machine: {m['cores']} cores ({m.get('cpu') or 'unknown CPU'}), {m['ram_gb']} GB RAM, "
        f"Python {m['python']}; load average at start {m.get('load_avg_at_start')} "
        f"(the machine is shared)"
    )
    runs = res.get("runs") or []
    if len(runs) > 1:
        out.append("- Runs (each stage's figures come from the run that lists it):")
        for r in runs:
            rm = r["machine"]
            out.append(
                f"  - {', '.join(r['stages'])}: `{r['command']}` ({rm['date']}; load average at start "
                f"{rm.get('load_avg_at_start')})"
            )
    else:
        out.append(f"- Date: {m['date']}")
        out.append(f"- Command: `{res['command']}`")
    out.append(
        f"- Corpus: {_n(c.get('letters', 0))} synthetic letters (`imr synth --seed {res['seed']}`), "
        f"{_n(c.get('passages', 0))} passages, {_mb(c.get('bytes', 0))} MB of text"
        + (f"; generated at {_n(c['letters_per_s'])} letters/s" if c.get("letters_per_s") else "")
    )
    if res.get("oracle"):
        out.append(
            "- **Parser: oracle.** The letters were not parsed: each file's `Letter` came from the generator "
            "itself (`benchmarks/oracle.py`), because the real parser is too slow to index this many letters "
            "in the time available. Reading, hashing, worker processes, letter store, engine and generations "
            "ran as in production; parse cost is excluded from every figure below."
        )
    out.append("")

    e2e = res.get("index_end_to_end") or []
    if e2e:
        out.append(
            "**Indexing, end to end** (files -> searchable index: reading, parsing on every core, "
            "engine, letter store; `build_index(..., rebuild=True)` in a child process)"
        )
        out.append("")
        out.append(
            "| engine | letters | passages | seconds | letters/s | passages/s | index MB | peak RSS, all processes (MB) | peak RSS, main (MB) |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in e2e:
            out.append(
                f"| {r['engine']} | {_n(r['letters'])} | {_n(r['passages'])} | {_n(r['seconds'])} | "
                f"{_n(r['letters_per_s'])} | {_n(r['passages_per_s'])} | {_mb(r['index_bytes'])} | "
                f"{_n(r['peak_rss_tree_mb'])} | {_n(r['peak_rss_main_mb'])} |"
            )
        out.append(_engine_ratio(e2e, "letters_per_s", "End-to-end speed"))
        out.append("")

    eo = res.get("index_engine_only") or []
    if eo:
        out.append(
            "**Indexing, engine only** (parsed passages -> index: `engine.add` + `commit`; parsing "
            f"done beforehand, untimed, in {_n(res.get('doc_cache', {}).get('parse_seconds', 0))} s)"
        )
        out.append("")
        out.append("| engine | passages | seconds | passages/s | letters/s | index MB |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for r in eo:
            out.append(
                f"| {r['engine']} | {_n(r['passages'])} | {_n(r['seconds'])} | {_n(r['passages_per_s'])} | "
                f"{_n(r['letters_per_s'])} | {_mb(r['index_bytes'])} |"
            )
        out.append(_engine_ratio(eo, "passages_per_s", "Engine-only speed"))
        out.append("")

    qs = res.get("queries") or []
    if qs:
        q0 = qs[0]
        cleared = ", ".join(q0.get("caches_cleared_before_each_call") or []) or "none found"
        out.append(
            f"**Query latency** ({q0['queries']} queries x {q0['rounds']} rounds after a warm-up round; "
            'top 20, exact counts for all facets, highlights; in-process, ms). "full" = '
            "`SearchService.search` with its caches emptied before each call "
            f'({cleared}), i.e. a query never seen before; "warm" = the same request repeated at once; '
            '"bare engine" = the engine\'s own top-20 query for the parsed tree; "engine + facets" = '
            "that plus the engine counting every facet."
        )
        out.append("")
        out.append(
            "| engine | full p50 | full p95 | full p99 | warm p50 | bare engine p50 | bare engine p95 | engine + facets p50 | full / bare (p50) | full / (engine + facets) (p50) | errors |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in qs:
            warm = r.get("full_warm", {}).get("p50")
            out.append(
                f"| {r['engine']} | {_ms(r['full']['p50'])} | {_ms(r['full']['p95'])} | {_ms(r['full']['p99'])} | "
                f"{_ms(warm)} | {_ms(r['engine_only']['p50'])} | {_ms(r['engine_only']['p95'])} | "
                f"{_ms(r['engine_with_facets']['p50'])} | {r['overhead_vs_bare_p50']}x | "
                f"{r['overhead_vs_engine_facets_p50']}x | {len(r['errors'])} |"
            )
        errs = [e for r in qs for e in r["errors"]]
        if errs:
            out.append("")
            out.append(
                f"**{len(errs)} queries failed** (figures above exclude them): "
                + "; ".join(f"`{e[:160]}`" for e in errs[:5])
            )
        by = {r["engine"]: r for r in qs}
        if "tantivy" in by and "whoosh" in by:
            t, w = by["tantivy"], by["whoosh"]
            per = sorted(
                wq["full_p50_ms"] / tq["full_p50_ms"]
                for tq, wq in zip(t["per_query"], w["per_query"], strict=True)
                if tq["full_p50_ms"]
            )
            med = per[len(per) // 2] if per else 0
            out.append("")
            out.append(
                f"Whoosh / Tantivy, same run: full search p50 {_ratio(w['full']['p50'], t['full']['p50'])}, "
                f"p95 {_ratio(w['full']['p95'], t['full']['p95'])}; bare engine p50 "
                f"{_ratio(w['engine_only']['p50'], t['engine_only']['p50'])}; median of per-query p50 ratios "
                f"{med:,.1f}x."
            )
        out.append("")
        out.append("<details><summary>Per-query medians (ms)</summary>")
        out.append("")
        head = (
            "| # | query | filters | "
            + " | ".join(f"{r['engine']} hits | {r['engine']} full p50 | {r['engine']} bare p50" for r in qs)
            + " |"
        )
        out.append(head)
        out.append("|---|---|---|" + "---:|---:|---:|" * len(qs))
        for i, pq in enumerate(qs[0]["per_query"]):
            filt = "; ".join(f"{k}={'/'.join(v)}" for k, v in pq["filters"].items())
            cells = " | ".join(
                f"{_n(r['per_query'][i]['total'])} | {_ms(r['per_query'][i]['full_p50_ms'])} | "
                f"{_ms(r['per_query'][i]['engine_p50_ms'])}"
                for r in qs
            )
            qtext = pq["q"].replace("|", "\\|") or "(browse)"
            out.append(f"| {i + 1} | `{qtext}` | {filt.replace('|', '/')} | {cells} |")
        out.append("")
        out.append("</details>")
        out.append("")

    hs = res.get("http") or []
    for h in hs:
        bust = (
            "every request a new query (a negated nonsense word `-zqxj<n>` appended, so the server's caches "
            "cannot answer)"
            if h.get("cache_bust", True)
            else "the mix repeated, so the server's caches answer repeats"
        )
        out.append(
            f"**HTTP, {h['engine']}** (`imr {' '.join(h['server'])}` on 127.0.0.1; keep-alive clients "
            f"in one Python process on the same 2 cores; {bust}; server ready after {h['startup_seconds']} s; "
            f"server peak RSS {_n(h['peak_rss_mb'])} MB)"
        )
        out.append("")
        out.append("| endpoint | clients | requests | p50 ms | p95 ms | p99 ms | req/s | errors |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for lv in h["levels"]:
            out.append(
                f"| `{lv['endpoint']}` | {lv['clients']} | {lv['requests']} | {_ms(lv['p50_ms'])} | "
                f"{_ms(lv['p95_ms'])} | {_ms(lv['p99_ms'])} | {_n(lv['req_per_s'])} | {lv['errors']} |"
            )
        out.append("")

    goals = res.get("goals") or []
    if goals:
        out.append("**Goals checked at this size**")
        out.append("")
        out.append("| goal | measured | holds |")
        out.append("|---|---|---|")
        for g in goals:
            verdict = "not judged here" if g["holds"] is None else ("yes" if g["holds"] else "**no**")
            out.append(f"| {g['goal']} | {g['measured']} | {verdict} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _engine_ratio(rows: list[dict], field: str, what: str) -> str:
    by = {r["engine"]: r for r in rows}
    if "tantivy" in by and "whoosh" in by and by["whoosh"][field]:
        return f"\n{what}, Tantivy / Whoosh (same run): {_ratio(by['tantivy'][field], by['whoosh'][field])}."
    return ""


def goals(res: dict) -> list[dict]:
    """The issue's goals that this run's size can judge."""
    out: list[dict] = []
    eo = {r["engine"]: r for r in res.get("index_engine_only") or []}
    e2e = {r["engine"]: r for r in res.get("index_end_to_end") or []}
    qs = {r["engine"]: r for r in res.get("queries") or []}
    passages = res.get("corpus", {}).get("passages", 0)
    if "tantivy" in eo and "whoosh" in eo and eo["whoosh"]["passages_per_s"]:
        x = eo["tantivy"]["passages_per_s"] / eo["whoosh"]["passages_per_s"]
        out.append({"goal": "engine-only indexing >= 20x Whoosh", "measured": f"{x:,.1f}x", "holds": x >= 20})
    if "tantivy" in qs and "whoosh" in qs and qs["tantivy"]["full"]["p50"]:
        x = qs["whoosh"]["full"]["p50"] / qs["tantivy"]["full"]["p50"]
        out.append({"goal": "query mix >= 50x faster than Whoosh (p50)", "measured": f"{x:,.1f}x", "holds": x >= 50})
    oracle = bool(res.get("oracle"))
    if "tantivy" in e2e:
        x = e2e["tantivy"]["letters_per_s"]
        out.append(
            {
                "goal": "end-to-end indexing >= 500 letters/s (2 cores)",
                "measured": f"{x:,.0f} letters/s" + (" without parsing (oracle parser)" if oracle else ""),
                "holds": None if oracle else x >= 500,
            }
        )
    if "tantivy" in qs:
        x = qs["tantivy"]["overhead_vs_bare_p50"] or 0
        out.append(
            {
                "goal": "application adds <= 50% over the bare engine query (p50)",
                "measured": f"{x}x the bare engine",
                "holds": x <= 1.5,
            }
        )
    if passages >= 900_000:
        if "tantivy" in qs:
            x = qs["tantivy"]["full"]["p95"]
            out.append(
                {
                    "goal": "p95 search with facets and highlights < 100 ms at 1M passages",
                    "measured": f"{x:,.1f} ms",
                    "holds": x < 100,
                }
            )
        for h in res.get("http") or []:
            if h["engine"] != "tantivy":
                continue
            for lv in h["levels"]:
                if lv["endpoint"] == "/api/search" and lv["clients"] == 4:
                    out.append(
                        {
                            "goal": "/api/search p95 < 150 ms at 4 clients, 1M passages",
                            "measured": f"{lv['p95_ms']:,.1f} ms",
                            "holds": lv["p95_ms"] < 150,
                        }
                    )
            out.append(
                {
                    "goal": "server RSS < 1.5 GB at 1M passages",
                    "measured": f"{h['peak_rss_mb']:,.0f} MB",
                    "holds": h["peak_rss_mb"] < 1536,
                }
            )
        if "tantivy" in e2e:
            x = e2e["tantivy"]["seconds"] / 60
            out.append(
                {
                    "goal": "indexing 1M passages < 30 min",
                    "measured": f"{x:,.1f} min" + (" without parsing (oracle parser)" if oracle else ""),
                    "holds": None if oracle else x < 30,
                }
            )
    return out


def update_markdown(path: Path, label: str, section: str) -> None:
    """Replace (or append) this label's section, leaving everything else as it is."""
    start, end = f"<!-- bench:{label} -->", f"<!-- /bench:{label} -->"
    block = f"{start}\n{section}{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
