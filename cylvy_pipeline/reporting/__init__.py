"""What analysts look at: DSI charts for the Dagster UI and the self-contained HTML report (no Dagster here)."""
