"""Independent checker for day plans: trusts nothing the solver says except the stated times, and checks those.

Hard constraints: every job at most once and accounted for (planned or unassigned), skills and fixed technician,
shift (leave home at or after its start, back home by its end), time windows on the start of work, travel time
between consecutive stops, work duration, the break (taken, long enough, inside its window, not overlapping travel
or work), and capacity (jobs, on-site seconds). Travel comes from the matrix passed in, built from the same
provider the plan was made with.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .model import DayProblem, Plan
from .travel import TravelMatrix


@dataclass(frozen=True)
class Violation:
    kind: str
    technician_id: str | None
    job_id: str | None
    message: str


def check_plan(problem: DayProblem, plan: Plan, matrix: TravelMatrix, index: dict[str, int]) -> list[Violation]:
    """Returns every hard-constraint violation found; an empty list means the plan is valid.

    ``index`` maps ``"T:<technician id>"`` and ``"J:<job id>"`` to rows of ``matrix``."""
    out: list[Violation] = []
    techs = {t.id: t for t in problem.technicians}
    jobs = {j.id: j for j in problem.jobs}

    def bad(kind: str, tech: str | None, job: str | None, message: str) -> None:
        out.append(Violation(kind, tech, job, message))

    def travel(frm: str, to: str) -> int:
        return int(matrix.seconds[index[frm], index[to]])

    planned = Counter(jid for route in plan.routes.values() for jid in route.job_ids)
    for jid, n in planned.items():
        if n > 1:
            bad("duplicate", None, jid, f"job planned {n} times")
        if jid not in jobs:
            bad("unknown_job", None, jid, "job not in the problem")
    unassigned = Counter(u.job_id for u in plan.unassigned)
    for jid in jobs:
        if planned[jid] == 0 and unassigned[jid] == 0:
            bad("missing", None, jid, "job neither planned nor reported unassigned")
        if planned[jid] and unassigned[jid]:
            bad("duplicate", None, jid, "job both planned and reported unassigned")

    for key, route in plan.routes.items():
        tech = techs.get(route.technician_id)
        if tech is None or key != route.technician_id:
            bad("unknown_technician", route.technician_id, None, "route for an unknown technician")
            continue
        tid = tech.id
        visits = route.visits
        if route.departure < tech.shift_start:
            bad("shift", tid, None, f"leaves home at {route.departure} before shift start {tech.shift_start}")

        if tech.max_jobs is not None and len(visits) > tech.max_jobs:
            bad("capacity", tid, None, f"{len(visits)} jobs > max {tech.max_jobs}")
        if tech.max_work_seconds is not None:
            work = sum(jobs[v.job_id].duration for v in visits if v.job_id in jobs)
            if work > tech.max_work_seconds:
                bad("capacity", tid, None, f"{work} s of work > max {tech.max_work_seconds}")

        rule = tech.break_rule
        has_break = route.break_start is not None and route.break_end is not None and route.break_after is not None
        if rule is not None:
            if not has_break:
                bad("break", tid, None, "no break taken")
            else:
                if route.break_end - route.break_start < rule.duration:
                    bad("break", tid, None, "break shorter than required")
                if route.break_start < rule.window_start or route.break_end > rule.window_end:
                    bad("break", tid, None, "break outside its window")
                if route.break_start < tech.shift_start or route.break_end > tech.shift_end:
                    bad("break", tid, None, "break outside the shift")
                if not 0 <= route.break_after <= len(visits):
                    bad("break", tid, None, "break position out of range")
                    has_break = False

        prev_end, here = route.departure, f"T:{tid}"
        for i, visit in enumerate([*visits, None]):
            if visit is not None:
                job = jobs.get(visit.job_id)
                if job is None:
                    continue
                there, arrival, next_start = f"J:{job.id}", visit.arrival, visit.start
            else:
                if not visits and not has_break:
                    break
                there, arrival, next_start = f"T:{tid}", route.return_arrival, route.return_arrival
            tt = travel(here, there)
            if has_break and route.break_after == i:
                bs, be = route.break_start, route.break_end
                if visit is None and bs >= arrival:  # break taken at home after the last leg
                    if arrival < prev_end + tt:
                        bad("travel", tid, None, "arrives home sooner than the travel time allows")
                elif bs < prev_end or be > next_start or (bs - prev_end) + (next_start - be) < tt:
                    bad("break", tid, visit and visit.job_id, "break overlaps work or travel")
            elif arrival < prev_end + tt:
                bad("travel", tid, visit and visit.job_id, f"arrival {arrival} < {prev_end} + travel {tt}")
            if visit is None:
                last = max(route.return_arrival, route.break_end if has_break else 0)
                if last > tech.shift_end:
                    bad("shift", tid, None, f"day ends at {last} after shift end {tech.shift_end}")
                break
            if visit.start < visit.arrival:
                bad("travel", tid, job.id, "work starts before arrival")
            if visit.start < job.earliest or visit.start > job.latest:
                bad("window", tid, job.id, f"start {visit.start} outside [{job.earliest}, {job.latest}]")
            if visit.end - visit.start < job.duration:
                bad("duration", tid, job.id, "on site shorter than the job duration")
            if visit.end > tech.shift_end or visit.start < tech.shift_start:
                bad("shift", tid, job.id, "work outside the shift")
            if job.fixed_technician is not None and job.fixed_technician != tid:
                bad("fixed_technician", tid, job.id, f"job is fixed to {job.fixed_technician}")
            if not job.required_skills <= tech.skills:
                missing = ", ".join(sorted(job.required_skills - tech.skills))
                bad("skills", tid, job.id, f"technician lacks {missing}")
            prev_end, here = visit.end, there
    return out
