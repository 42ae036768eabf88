/*
 * Handle safety and argument checking of the C API: NULL, forged, stale and double-deleted
 * handles; NULL, empty and invalid creation arguments; bad and unreachable Redis URLs; the
 * backends that do not exist; a full handle table; the process-wide settings (the CA file
 * for rediss:// included) and the log callback.
 *
 * Run: build/test_handles redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>

#include "check.h"
#include "common.h"

static void on_message(const char *to, const char *from, const char *data, size_t size,
                       lnr_uData user_data)
{
    (void)to;
    (void)from;
    (void)data;
    (void)size;
    (void)user_data;
}

static void on_addr(const char *addr, const char *unique, lnr_uData user_data)
{
    (void)addr;
    (void)unique;
    (void)user_data;
}

static void on_pending(const char *addr, const char *topic, const char *unique,
                       long long count, lnr_uData user_data)
{
    (void)addr;
    (void)topic;
    (void)unique;
    (void)count;
    (void)user_data;
}

/* Every function taking a handle rejects h without crashing. */
static void check_rejected(lnr_hClient h)
{
    CHECK(!lnr_run(h, on_message, NULL));
    CHECK(!lnr_run_fallible(h, NULL, NULL));
    CHECK(!lnr_stop(h));
    CHECK(!lnr_is_running(h));
    CHECK(!lnr_send_to(h, "topic", "x", 1, true));
    CHECK(!lnr_send_all(h, "topic", "x", 1, false));
    CHECK(!lnr_subscribe(h, "topic"));
    CHECK(!lnr_unsubscribe(h, "topic"));
    CHECK(!lnr_refresh_address_topic(h, "topic"));
    CHECK(!lnr_clear_stored_messages(h));
    CHECK(!lnr_clear_addresses_of_topic(h));
    CHECK(!lnr_set_status_cb(h, NULL, NULL));
    CHECK(!lnr_list_addresses(h, "topic", on_addr, NULL));
    CHECK(lnr_pending_count(h) == -1);
    CHECK(!lnr_pending_by_peer(h, on_pending, NULL));
    CHECK(!lnr_set_advertise_addr(h, "127.0.0.1:1"));
    CHECK(lnr_advertise_addr(h) == NULL);
    CHECK(lnr_bound_listen_addr(h) == NULL);
    CHECK(lnr_published_addr(h) == NULL);
    CHECK(lnr_unique_name(h) == NULL);
    CHECK(lnr_topic(h) == NULL);
    CHECK(lnr_last_error_code(h) == LNR_OK);
    CHECK(lnr_last_error_message(h) == NULL);
    CHECK(!lnr_delete_client(h));
}

static void check_forged_handles(lnr_hClient live)
{
    int on_stack = 0;
    check_rejected(NULL);
    check_rejected((lnr_hClient)(uintptr_t)1);
    check_rejected((lnr_hClient)(uintptr_t)0xdeadbeefu);
    check_rejected((lnr_hClient)UINTPTR_MAX);
    check_rejected((lnr_hClient)&on_stack);
    /* A live handle with another generation, and with another slot index. */
    check_rejected((lnr_hClient)((uintptr_t)live + 0x100));
    check_rejected((lnr_hClient)((uintptr_t)live ^ 0x3f));
    CHECK(lnr_is_running(live) == false && lnr_unique_name(live) != NULL);
}

static void check_creation_arguments(const char *url)
{
    CHECK(lnr_new_client_redis(NULL, "t", "127.0.0.1:0", url) == NULL);
    CHECK(lnr_new_client_redis("n", NULL, "127.0.0.1:0", url) == NULL);
    CHECK(lnr_new_client_redis("n", "t", NULL, url) == NULL);
    CHECK(lnr_new_client_redis("n", "t", "127.0.0.1:0", NULL) == NULL);
    CHECK(lnr_new_client_redis("", "t", "127.0.0.1:0", url) == NULL);
    CHECK(lnr_new_client_redis("n", "", "127.0.0.1:0", url) == NULL);
    CHECK(lnr_new_client_redis("n", "t", "", url) == NULL);
    CHECK(lnr_new_client_redis("n", "t", "127.0.0.1:0", "") == NULL);
    CHECK(lnr_new_client_redis("bad:name", "t", "127.0.0.1:0", url) == NULL);
    CHECK(lnr_new_client_redis("n", "bad topic", "127.0.0.1:0", url) == NULL);
    CHECK(lnr_new_client_redis("n\xff", "t", "127.0.0.1:0", url) == NULL);
    CHECK(lnr_new_client_redis("n", "t", "127.0.0.1:0", "not a redis url") == NULL);
    /* Nothing listens on port 1: refused at once. */
    CHECK(lnr_new_client_redis("n", "t", "127.0.0.1:0", "redis://127.0.0.1:1/") == NULL);
    CHECK(lnr_new_client("n", "t", "127.0.0.1:0", NULL) == NULL);
    CHECK(lnr_new_client_sqlite("n", "t", "127.0.0.1:0", "/tmp/x.db", "[]") == NULL);
    CHECK(lnr_new_client_postgres("n", "t", "127.0.0.1:0", "postgres://127.0.0.1/") == NULL);
}

static atomic_int log_lines;
static atomic_int log_mentions_sqlite;

static void on_log(const char *message, lnr_uData user_data)
{
    CHECK(user_data == &log_lines);
    if (strstr(message, "SQLite") != NULL) {
        atomic_fetch_add(&log_mentions_sqlite, 1);
    }
    atomic_fetch_add(&log_lines, 1);
}

static void check_log_callback(void)
{
    CHECK(lnr_set_log_cb(on_log, &log_lines));
    CHECK(lnr_new_client_sqlite("n", "t", "127.0.0.1:0", "x.db", "[]") == NULL);
    CHECK(atomic_load(&log_lines) >= 1 && atomic_load(&log_mentions_sqlite) == 1);
    CHECK(lnr_set_log_cb(NULL, NULL));
    int before = atomic_load(&log_lines);
    CHECK(lnr_new_client_postgres("n", "t", "127.0.0.1:0", "x") == NULL); /* to stderr */
    CHECK(atomic_load(&log_lines) == before);
}

static void check_settings(void)
{
    CHECK(lnr_get_max_message_size() == 64u << 20);
    CHECK(!lnr_set_max_message_size(0));
    CHECK(lnr_set_max_message_size(1024) && lnr_get_max_message_size() == 1024);
    CHECK(lnr_get_compress_threshold() == SIZE_MAX);
    CHECK(!lnr_set_compress_threshold(0));
    CHECK(lnr_set_compress_threshold(100) && lnr_get_compress_threshold() == 100);
    CHECK(lnr_get_max_send_queue() == 1u << 20);
    CHECK(!lnr_set_max_send_queue(8)); /* smaller than one frame header */
    CHECK(lnr_config_set_window_bytes(65536) && lnr_get_max_send_queue() == 65536);
    CHECK(lnr_set_max_send_queue(0) && lnr_config_window_bytes() == 1u << 20);
    CHECK(lnr_config_set_recv_buffer_bytes(32768) && lnr_config_recv_buffer_bytes() == 32768);
    CHECK(lnr_config_set_max_peers(8) && lnr_config_max_peers() == 8);
    CHECK(lnr_config_set_send_timeout_ms(250) && lnr_config_send_timeout_ms() == 250);
    CHECK(lnr_config_set_connect_timeout_ms(300) && lnr_config_connect_timeout_ms() == 300);
    CHECK(lnr_config_set_redis_timeout_ms(400) && lnr_config_redis_timeout_ms() == 400);
    CHECK(lnr_config_stop_timeout_ms() == 3000);
    CHECK(lnr_config_set_stop_timeout_ms(500) && lnr_config_stop_timeout_ms() == 500);
    CHECK(lnr_config_reset());
    CHECK(lnr_get_max_message_size() == 64u << 20 && lnr_get_compress_threshold() == SIZE_MAX);
    CHECK(lnr_config_max_peers() == 1024 && lnr_config_send_timeout_ms() == 2000);
    CHECK(lnr_config_recv_buffer_bytes() == 256u << 10 && lnr_config_stop_timeout_ms() == 3000);
}

/* Liveness, retention and the limits on parked queues. Unlike the capacities, 0 is a value
   of its own for the last four (forever, no limit), so it must read back as 0. */
static void check_liveness_and_retention_settings(void)
{
    CHECK(lnr_config_liveness_ttl_ms() == 3000);
    CHECK(lnr_config_retention_s() == 7u * 24 * 3600);
    CHECK(!lnr_config_retention_drops_parked());
    CHECK(lnr_config_max_parked() == 0 && lnr_config_max_parked_age_ms() == 0);

    CHECK(lnr_config_set_liveness_ttl_ms(1500) && lnr_config_liveness_ttl_ms() == 1500);
    CHECK(!lnr_config_set_liveness_ttl_ms(0)); /* refused, not "the default" */
    CHECK(lnr_config_liveness_ttl_ms() == 1500);
    CHECK(lnr_config_set_retention_s(60) && lnr_config_retention_s() == 60);
    CHECK(lnr_config_set_retention_s(0) && lnr_config_retention_s() == 0); /* forever */
    CHECK(lnr_config_set_retention_drops_parked(true) && lnr_config_retention_drops_parked());
    CHECK(lnr_config_park_replicas() == -1);
    CHECK(lnr_config_set_park_replicas(0) && lnr_config_park_replicas() == 0);
    CHECK(lnr_config_set_park_replicas(2) && lnr_config_park_replicas() == 2);
    CHECK(lnr_config_set_park_replicas(-7) && lnr_config_park_replicas() == -1);
    CHECK(lnr_config_park_confirm_timeout_ms() == 1000);
    CHECK(lnr_config_set_park_confirm_timeout_ms(250) && lnr_config_park_confirm_timeout_ms() == 250);
    CHECK(lnr_config_set_park_confirm_timeout_ms(0) && lnr_config_park_confirm_timeout_ms() == 1000);
    CHECK(lnr_config_set_max_parked(1000) && lnr_config_max_parked() == 1000);
    CHECK(lnr_config_set_max_parked(UINT64_MAX) && lnr_config_max_parked() == UINT64_MAX);
    /* 60 days: more than a 32-bit count of milliseconds holds */
    const uint64_t sixty_days_ms = 60ull * 24 * 3600 * 1000;
    CHECK(lnr_config_set_max_parked_age_ms(sixty_days_ms));
    CHECK(lnr_config_max_parked_age_ms() == sixty_days_ms);
    CHECK(lnr_config_set_max_parked_age_ms(0) && lnr_config_max_parked_age_ms() == 0);

    /* A refused value of another setting leaves these as they were. */
    CHECK(!lnr_config_set_window_bytes(8));
    CHECK(lnr_config_liveness_ttl_ms() == 1500 && lnr_config_retention_s() == 0);
    CHECK(lnr_config_retention_drops_parked() && lnr_config_max_parked() == UINT64_MAX);

    CHECK(lnr_config_reset());
    CHECK(lnr_config_liveness_ttl_ms() == 3000);
    CHECK(lnr_config_retention_s() == 7u * 24 * 3600);
    CHECK(!lnr_config_retention_drops_parked());
    CHECK(lnr_config_max_parked() == 0 && lnr_config_max_parked_age_ms() == 0);
}

static atomic_int ca_file_named;

static void on_ca_log(const char *message, lnr_uData user_data)
{
    if (strstr(message, (const char *)user_data) != NULL) {
        atomic_store(&ca_file_named, 1);
    }
}

/* Whether creating a rediss:// client now fails naming `path` (the CA file it could not
   read; nothing listens on port 1, so without that file the failure names no path). */
static bool ca_file_is_used(const char *path)
{
    atomic_store(&ca_file_named, 0);
    CHECK(lnr_set_log_cb(on_ca_log, (lnr_uData)path));
    CHECK(lnr_new_client_redis("n", "t", "127.0.0.1:0", "rediss://127.0.0.1:1/") == NULL);
    CHECK(lnr_set_log_cb(NULL, NULL));
    return atomic_load(&ca_file_named) != 0;
}

/* The CA file for rediss:// URLs: set, cleared with NULL or "", reset. */
static void check_redis_ca_file(void)
{
    const char *missing = "/nonexistent/liner-test-ca.pem";
    CHECK(!ca_file_is_used(missing));
    CHECK(lnr_config_set_redis_ca_file(missing) && ca_file_is_used(missing));
    CHECK(lnr_config_set_redis_ca_file(NULL) && !ca_file_is_used(missing));
    CHECK(lnr_config_set_redis_ca_file(missing) && lnr_config_set_redis_ca_file(""));
    CHECK(!ca_file_is_used(missing));
    CHECK(lnr_config_set_redis_ca_file(missing) && lnr_config_reset());
    CHECK(!ca_file_is_used(missing));
}

/* Fills the table: exactly `free_slots` creations succeed, the next one fails. */
static void check_table_capacity(const char *url, int free_slots)
{
    static lnr_hClient clients[4096]; /* LINER_MAX_CLIENTS is at most 4095 */
    char name[64];
    int created = 0;
    for (; created < (int)lnr_max_clients() + 1; created++) {
        unique_name(name, sizeof name, "fill");
        clients[created] = lnr_new_client_redis(name, name, "127.0.0.1:0", url);
        if (clients[created] == NULL) {
            break;
        }
    }
    CHECK(created == free_slots);
    for (int i = 0; i < created; i++) {
        CHECK(lnr_delete_client(clients[i]));
    }
}

int main(int argc, char **argv)
{
    const char *url = redis_url_from(argc, argv);
    char name[64], topic[64];

    CHECK(lnr_version() != NULL && lnr_version()[0] != '\0');
    check_creation_arguments(url);
    check_log_callback();
    check_settings();
    check_liveness_and_retention_settings();
    check_redis_ca_file();

    unique_name(name, sizeof name, "handles");
    unique_name(topic, sizeof topic, "handles.topic");
    lnr_hClient first = lnr_new_client_redis(name, topic, "127.0.0.1:0", url);
    if (!CHECK(first != NULL)) {
        return check_summary("test_handles");
    }
    CHECK_STREQ(lnr_unique_name(first), name);
    CHECK_STREQ(lnr_topic(first), topic);
    CHECK(lnr_last_error_code(first) == LNR_OK);
    CHECK_STREQ(lnr_last_error_message(first), "");
    check_forged_handles(first);

    /* NULL arguments with a live handle: INVALID_ARG, recorded on the handle. */
    CHECK(!lnr_subscribe(first, NULL));
    CHECK_ERROR(first, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_list_addresses(first, topic, NULL, NULL));
    CHECK_ERROR(first, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_pending_by_peer(first, NULL, NULL));
    CHECK_ERROR(first, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_set_advertise_addr(first, "no port here"));
    CHECK_ERROR(first, LNR_ERR_INVALID_ARG);
    CHECK(lnr_set_status_cb(first, NULL, NULL));
    CHECK(lnr_last_error_code(first) == LNR_OK); /* a success clears the last error */

    /* Stale and double-deleted handles; the slot's next client gets a different handle. */
    CHECK(lnr_delete_client(first));
    check_rejected(first);
    unique_name(name, sizeof name, "handles");
    lnr_hClient second = lnr_new_client_redis(name, topic, "127.0.0.1:0", url);
    CHECK(second != NULL && second != first);
    check_rejected(first);
    CHECK_STREQ(lnr_unique_name(second), name);

    CHECK(lnr_max_clients() == LNR_MAX_CLIENTS); /* built without LINER_MAX_CLIENTS */
    check_table_capacity(url, (int)lnr_max_clients() - 1);
    CHECK(lnr_delete_client(second));
    CHECK(!lnr_delete_client(second));
    return check_summary("test_handles");
}
