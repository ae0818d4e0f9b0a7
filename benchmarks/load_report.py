"""The load benchmark's tables and chart: every figure as a ratio to stock Rasa measured in
the same run, because absolute figures on a shared two-core machine are mostly noise."""

from __future__ import annotations

from pathlib import Path

BASELINE = "rasa"


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "–"
    return f"{value / base:.2f}×"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def _errors(level: dict) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(level["errors_by_kind"].items()))
    return f"{level['errors']} of {level['messages']}" + (f" ({kinds})" if kinds else "")


def level_table(results: dict) -> list[str]:
    systems = results["systems"]
    base = systems.get(BASELINE)
    lines = [
        "| users | system | messages/s | p50 | p95 | p99 | errors | peak memory |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for users in results["meta"]["levels"]:
        for system in systems.values():
            level = system["levels"].get(str(users))
            if level is None:
                continue
            ref = base["levels"].get(str(users)) if base else None
            cells = [
                _ratio(level[k], ref[k] if ref else None)
                for k in ("messages_per_second", "p50_ms", "p95_ms", "p99_ms")
            ]
            memory = _ratio(level["peak_mb"], ref["peak_mb"] if ref else None)
            lines.append(
                f"| {users} | {system['title']} | {' | '.join(cells)} | {_errors(level)} "
                f"| {memory} |"
            )
    return lines


def absolute_table(results: dict) -> list[str]:
    lines = [
        "| users | system | messages/s | p50 | p95 | p99 | peak memory (processes) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for users in results["meta"]["levels"]:
        for system in results["systems"].values():
            level = system["levels"].get(str(users))
            if level is not None:
                lines.append(
                    f"| {users} | {system['title']} | {level['messages_per_second']:.1f} | "
                    f"{_ms(level['p50_ms'])} | {_ms(level['p95_ms'])} | {_ms(level['p99_ms'])} | "
                    f"{level['peak_mb']:,.0f} MB ({level['processes']}) |"
                )
    return lines


def conversation_table(results: dict) -> list[str]:
    systems = {k: s for k, s in results["systems"].items() if s.get("conversation")}
    if not systems:
        return []
    first = next(iter(systems.values()))["conversation"]
    early, late = first["early"], first["late"]
    base = systems.get(BASELINE, {}).get("conversation")
    lines = [
        f"| system | median of messages {early[0]}-{early[1]} | of {late[0]}-{late[1]} "
        "| late ÷ early | errors |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for system in systems.values():
        c = system["conversation"]
        vs = ("", "")
        if base and system is not systems.get(BASELINE):
            vs = (
                f" ({_ratio(c['early_median_ms'], base['early_median_ms'])} stock)",
                f" ({_ratio(c['late_median_ms'], base['late_median_ms'])} stock)",
            )
        lines.append(
            f"| {system['title']} | {_ms(c['early_median_ms'])}{vs[0]} | "
            f"{_ms(c['late_median_ms'])}{vs[1]} | "
            f"{_ratio(c['late_median_ms'], c['early_median_ms'])} | "
            f"{c['errors']} of {c['messages']} |"
        )
    return lines


def markdown(results: dict) -> str:
    meta = results["meta"]
    lines = [
        f"Closed loop, {meta['seconds']:g} s per level after a {meta['ramp']:g} s ramp "
        f"(warm-up {meta['warmup']:g} s per system), on {meta['cores']} cores shared with "
        f"other work (load average {meta['load_before']} before, {meta['load_after']} after); "
        f"{meta['messages']} citizen questions in 8 languages, cycled; "
        + (
            f"each user a conversation of {meta['turns']} messages, then another's (the length "
            "of a conversation is measured on its own below). "
            if meta.get("turns")
            else "each user one conversation throughout. "
        )
        + "Ratios to stock Rasa "
        "in this run: messages/s above 1 and latency or memory below 1 are better. Latency "
        "counts answered messages only; memory is the peak RSS of each system's processes "
        "together, sampled every 0.5 s.",
        "",
        *level_table(results),
        "",
    ]
    if conversation := conversation_table(results):
        lines += [
            f"One conversation of {meta['conversation']} messages, one after the other, per "
            "system (ratios to stock Rasa in brackets):",
            "",
            *conversation,
            "",
        ]
    lines += [
        "This run's absolute figures (noise on a shared machine; compare only within a run):",
        "",
        *absolute_table(results),
        "",
        *(f"- {note}" for note in meta["notes"]),
    ]
    return "\n".join(lines)


def chart(results: dict, path: Path) -> None:
    """p50 and p95 per level and system (bars: p50 solid, p95 pale behind it), and the
    latency along one long conversation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = results["systems"]
    levels = results["meta"]["levels"]
    colours = {"rasa": "#7f7f7f", "default": "#1f77b4", "production": "#2ca02c"}
    has_conversation = any(s.get("conversation") for s in systems.values())
    figure, axes = plt.subplots(
        1,
        2 if has_conversation else 1,
        figsize=(12 if has_conversation else 7, 4.5),
        squeeze=False,
    )
    bars = axes[0][0]
    width = 0.8 / max(1, len(systems))
    for i, (key, system) in enumerate(systems.items()):
        xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(levels))]
        p50 = [system["levels"].get(str(u), {}).get("p50_ms") or 0 for u in levels]
        p95 = [system["levels"].get(str(u), {}).get("p95_ms") or 0 for u in levels]
        colour = colours.get(key, f"C{i}")
        bars.bar(xs, p95, width * 0.9, color=colour, alpha=0.35)
        bars.bar(xs, p50, width * 0.9, color=colour, label=system["title"])
    bars.set_xticks(range(len(levels)), [f"{u} user{'s' * (u > 1)}" for u in levels])
    bars.set_ylabel("reply time, ms (solid: p50, pale: p95)")
    bars.set_yscale("log")
    bars.set_title("Reply time by concurrent users (closed loop)")
    bars.legend(fontsize=8)
    if has_conversation:
        line = axes[0][1]
        for i, (key, system) in enumerate(systems.items()):
            c = system.get("conversation")
            if not c:
                continue
            ms = c["latencies_ms"]
            window = 10
            medians = [
                sorted(w)[len(w) // 2]
                for w in (
                    [x for x in ms[max(0, k - window + 1) : k + 1] if x is not None]
                    for k in range(len(ms))
                )
                if w
            ]
            line.plot(
                range(1, len(medians) + 1),
                medians,
                color=colours.get(key, f"C{i}"),
                label=system["title"],
            )
        line.set_xlabel("message number in the conversation")
        line.set_ylabel("reply time, ms (median of the last 10)")
        line.set_yscale("log")
        line.set_title("One long conversation")
        line.legend(fontsize=8)
    figure.suptitle(
        f"bench-load {results['meta']['date']}: absolute times on a shared 2-core machine; "
        "compare systems within the run",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def soak_markdown(soak: dict) -> str:
    lines = []
    for system in soak["systems"].values():
        lines += [
            f"**{system['title']}**, {soak['meta']['users']} users for "
            f"{soak['meta']['seconds']:g} s"
            + (
                f" (conversations of {soak['meta']['turns']} messages)"
                if soak["meta"].get("turns")
                else " (one conversation each)"
            )
            + ": "
            + ("passed" if system["passed"] else "FAILED: " + "; ".join(system["failures"])),
            "",
            "| stretch | messages/s | p50 | p95 | errors | peak memory |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for window in system["windows"]:
            lines.append(
                f"| {window['from_s']:g}-{window['to_s']:g} s | "
                f"{window['messages_per_second']:.1f} | {_ms(window['p50_ms'])} | "
                f"{_ms(window['p95_ms'])} | {window['errors']} | {window['peak_mb']:,.0f} MB |"
            )
        lines += [
            "",
            f"End against first: p95 {_ratio(system['last_p95_ms'], system['first_p95_ms'])}, "
            f"memory {_ratio(system['last_peak_mb'], system['first_peak_mb'])}; "
            f"{system['answered']} of {system['sent']} messages answered, "
            f"{system['stored']} stored in the conversations.",
            "",
        ]
    return "\n".join(lines)
