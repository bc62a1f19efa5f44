from django.apps import AppConfig


class HotlistsConfig(AppConfig):
    name = "apps.hotlists"
    label = "hotlists"
    verbose_name = "Hot lists and hits"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from apps.hotlists.home import register
        from apps.hotlists.models import HotList

        # Hot-list settings are governed records (R-AUD-2): field diffs via django-auditlog. Entries are versioned
        # rows (added_in / removed_in), so their history is the version chain itself; hits log domain events.
        auditlog.register(HotList, exclude_fields=["last_refreshed_at", "current_version"])
        register()
        from apps.hotlists.retention import register as register_retention

        register_retention()  # hits and old entries expire under the agency's policy (R-RET-2)

        from apps.hotlists.services.hit_matching import hits_match_reads
        from apps.hotlists.services.hits import hits_withdraw_out_of_service
        from apps.reads.hooks import ReadsConsumer, reads_consumer_register

        # New, corrected and back-in-service reads are matched in the transaction that stores them, so hits commit
        # with their reads (R-HOT-3, R-HOT-5); hits raised by reads later flagged out of service are withdrawn
        # (R-READ-5a).
        reads_consumer_register(ReadsConsumer(
            key="hotlists.hits", reads_match=hits_match_reads, reads_out_of_service=hits_withdraw_out_of_service,
            withdrawn_key="hits_withdrawn"))
        from apps.hotlists.selectors import hot_lists_watch_targets
        from apps.reads.hooks import plate_watch_provider_register

        plate_watch_provider_register("hotlists", hot_lists_watch_targets)  # "add to hot list" on a plate's story
