/*
 * Status for operators through the C API: lnr_list_peers reports a running listener as live,
 * with the time it registered and its last heartbeat (unix ms, Redis clock), from a client
 * that does not even run; a stopped listener leaves no row; lnr_pending_by_peer names the
 * topic and address of a listener that is away. Bad arguments fail with
 * LNR_ERR_INVALID_ARG, a bad handle with false.
 *
 * Run: build/test_peers redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common.h"

enum { PARKED = 10, WAIT_MS = 30000, MAX_ROWS = 4 };

struct row {
    char addr[LNR_MAX_ADDR_LEN + 1];
    char unique_name[LNR_MAX_NAME_LEN + 1];
    bool live;
    int64_t since_unix_ms;
    int64_t last_seen_unix_ms;
};

/* The rows one lnr_list_peers call reported (callbacks run on the calling thread). */
struct rows {
    struct row row[MAX_ROWS];
    int count;
};

static void copy(char *out, size_t size, const char *text)
{
    snprintf(out, size, "%s", text != NULL ? text : "(null)");
}

static void on_peer(const char *addr, const char *unique_name, bool live, int64_t since_unix_ms,
                    int64_t last_seen_unix_ms, lnr_uData user_data)
{
    struct rows *rows = user_data;
    if (rows->count < MAX_ROWS) {
        struct row *row = &rows->row[rows->count];
        copy(row->addr, sizeof row->addr, addr);
        copy(row->unique_name, sizeof row->unique_name, unique_name);
        row->live = live;
        row->since_unix_ms = since_unix_ms;
        row->last_seen_unix_ms = last_seen_unix_ms;
    }
    rows->count++;
}

static bool list_peers(lnr_hClient h, const char *topic, struct rows *rows)
{
    memset(rows, 0, sizeof *rows);
    return lnr_list_peers(h, topic, on_peer, rows);
}

struct backlog {
    char addr[LNR_MAX_ADDR_LEN + 1];
    char topic[LNR_MAX_NAME_LEN + 1];
    char unique_name[LNR_MAX_NAME_LEN + 1];
    long long count;
    int calls;
};

static void on_pending(const char *addr, const char *topic, const char *unique_name,
                       long long count, lnr_uData user_data)
{
    struct backlog *backlog = user_data;
    copy(backlog->addr, sizeof backlog->addr, addr);
    copy(backlog->topic, sizeof backlog->topic, topic);
    copy(backlog->unique_name, sizeof backlog->unique_name, unique_name);
    backlog->count = count;
    backlog->calls++;
}

int main(int argc, char **argv)
{
    const char *url = redis_url_from(argc, argv);
    char listener_name[64], sender_name[64], ops_name[64];
    unique_name(listener_name, sizeof listener_name, "peers.listener");
    unique_name(sender_name, sizeof sender_name, "peers.sender");
    unique_name(ops_name, sizeof ops_name, "peers.ops");

    lnr_hClient listener = new_client_or_die(listener_name, listener_name, url);
    lnr_hClient sender = new_client_or_die(sender_name, sender_name, url);
    lnr_hClient ops = new_client_or_die(ops_name, ops_name, url); /* never runs */
    CHECK(lnr_run(listener, NULL, NULL));
    char listener_addr[LNR_MAX_ADDR_LEN + 1];
    copy(listener_addr, sizeof listener_addr, lnr_published_addr(listener));

    /* Live, with a registration time and, once its first heartbeat is in, a last-seen time. */
    struct rows rows;
    for (long waited = 0; waited < WAIT_MS; waited += 10) {
        if (list_peers(ops, listener_name, &rows) && rows.count == 1
            && rows.row[0].last_seen_unix_ms >= 0) {
            break;
        }
        sleep_ms(10);
    }
    if (CHECK(rows.count == 1)) {
        const struct row *row = &rows.row[0];
        CHECK_STREQ(row->addr, listener_addr);
        CHECK_STREQ(row->unique_name, listener_name);
        CHECK(row->live);
        CHECK(row->since_unix_ms > 1600000000000LL); /* unix ms, after 2020 */
        CHECK(row->last_seen_unix_ms >= row->since_unix_ms);
    }

    /* Errors: NULL callback or topic, a bad handle. */
    CHECK(!lnr_list_peers(ops, listener_name, NULL, NULL));
    CHECK_ERROR(ops, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_list_peers(ops, NULL, on_peer, &rows));
    CHECK_ERROR(ops, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_list_peers(NULL, listener_name, on_peer, &rows));

    /* The sender meets the listener, which then stops: its row goes, its backlog is named. */
    CHECK(lnr_run(sender, NULL, NULL));
    CHECK(lnr_refresh_address_topic(sender, listener_name));
    CHECK(lnr_stop(listener));
    CHECK(list_peers(ops, listener_name, &rows) && rows.count == 0);
    CHECK(lnr_last_error_code(ops) == LNR_OK);
    for (int n = 0; n < PARKED; n++) {
        CHECK(lnr_send_to(sender, listener_name, "parked", 6, true));
    }
    for (long waited = 0; lnr_pending_count(sender) != PARKED && waited < WAIT_MS; waited += 10) {
        sleep_ms(10);
    }
    CHECK(lnr_pending_count(sender) == PARKED);
    struct backlog backlog = { 0 };
    CHECK(lnr_pending_by_peer(sender, on_pending, &backlog));
    if (CHECK(backlog.calls == 1)) {
        CHECK_STREQ(backlog.unique_name, listener_name);
        CHECK_STREQ(backlog.topic, listener_name);
        CHECK_STREQ(backlog.addr, listener_addr);
        CHECK(backlog.count == PARKED);
    }

    CHECK(lnr_stop(sender));
    CHECK(lnr_clear_stored_messages(sender));
    CHECK(lnr_delete_client(ops) && lnr_delete_client(sender) && lnr_delete_client(listener));
    return check_summary("test_peers");
}
