"""Schedules: a weekly refresh of every market."""

import dagster as dg

from cylvy_pipeline.defs.jobs import enabled_phase_keys, market_pipeline_job
from cylvy_pipeline.defs.resources import ProjectResource


@dg.schedule(
    name="weekly_market_refresh",
    job=market_pipeline_job,
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
            run_key=f"{week}-{market}", partition_key=market, tags={"cylvy/trigger": "weekly"},
            asset_selection=enabled_phase_keys(loaded),
        )
        for market in loaded.markets
    ]


PIPELINE_SCHEDULES = [weekly_market_refresh]
