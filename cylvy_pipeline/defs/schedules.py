"""Schedules: a weekly refresh of every market."""

import dagster as dg

from cylvy_pipeline.contract import PIPELINE_JOB, TRIGGER_TAG
from cylvy_pipeline.defs.jobs import enabled_phase_keys
from cylvy_pipeline.defs.resources import ProjectResource


@dg.schedule(
    name="weekly_market_refresh",
    job_name=PIPELINE_JOB,
    cron_schedule="0 5 * * 1",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every Monday 05:00 UTC: one pipeline execution per market of the project.",
)
def weekly_market_refresh(context: dg.ScheduleEvaluationContext, project: ProjectResource):
    week = context.scheduled_execution_time.strftime("%G-W%V")
    loaded = project.load()
    return [
        dg.RunRequest(
            run_key=f"{week}-{market}", partition_key=market, tags={TRIGGER_TAG: "weekly"},
            asset_selection=enabled_phase_keys(loaded),
        )
        for market in loaded.markets
    ]


PIPELINE_SCHEDULES = [weekly_market_refresh]
