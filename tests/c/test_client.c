/*
 * Behaviour of a client through the C API: errors before and while running (not running,
 * self topic, internal topic, empty, NULL and oversize payloads, no address for a send or a
 * refresh, clear while running, advertise while running, unsubscribe of the own topic), a
 * message round trip with a reply sent from inside the receive callback, calls the callback
 * may not make, the status callback, catalog listings, pending counts, stop/restart and
 * delete.
 *
 * Run: build/test_client redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "common.h"

enum { WAIT_MS = 20000 };

/* What a client's receive callback saw. */
struct inbox {
    lnr_hClient self;
    atomic_int received;
    char to[LNR_MAX_NAME_LEN + 1];
    char from[LNR_MAX_NAME_LEN + 1];
    char data[16];
    /* Set by the replying side. */
    atomic_int replies_sent;
    atomic_int refused_from_callback; /* run, stop and delete refused with INVALID_ARG */
};

static void copy_text(char *out, size_t size, const char *text, size_t length)
{
    size_t n = length < size - 1 ? length : size - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

/* Records the first message; the details are read after `received` was seen to move. */
static void record(struct inbox *inbox, const char *to, const char *from, const char *data,
                   size_t size)
{
    if (atomic_load(&inbox->received) == 0) {
        copy_text(inbox->to, sizeof inbox->to, to, strlen(to));
        copy_text(inbox->from, sizeof inbox->from, from, strlen(from));
        copy_text(inbox->data, sizeof inbox->data, data, size);
    }
}

static void on_reply(const char *to, const char *from, const char *data, size_t size,
                     lnr_uData user_data)
{
    struct inbox *inbox = user_data;
    record(inbox, to, from, data, size);
    atomic_fetch_add(&inbox->received, 1);
}

/* Answers "pong" to the sender's topic from inside the callback, and tries the calls that
 * would join this very thread. */
static void on_request(const char *to, const char *from, const char *data, size_t size,
                       lnr_uData user_data)
{
    struct inbox *inbox = user_data;
    record(inbox, to, from, data, size);
    if (lnr_send_to(inbox->self, from, "pong", 4, true)) {
        atomic_fetch_add(&inbox->replies_sent, 1);
    }
    if (!lnr_stop(inbox->self) && lnr_last_error_code(inbox->self) == LNR_ERR_INVALID_ARG
        && !lnr_delete_client(inbox->self)
        && lnr_last_error_code(inbox->self) == LNR_ERR_INVALID_ARG
        && !lnr_run(inbox->self, on_request, inbox) && lnr_is_running(inbox->self)) {
        atomic_fetch_add(&inbox->refused_from_callback, 1);
    }
    atomic_fetch_add(&inbox->received, 1);
}

static atomic_int status_seen[LNR_PEER_PROTOCOL_ERROR + 1];

static void on_status(int kind, const char *topic, const char *peer, const char *message,
                      lnr_uData user_data)
{
    CHECK(topic != NULL && peer != NULL && message != NULL && user_data == status_seen);
    if (kind >= LNR_PEER_CONNECTED && kind <= LNR_PEER_PROTOCOL_ERROR) {
        atomic_fetch_add(&status_seen[kind], 1);
    }
}

struct row_check {
    const char *expected_addr;
    const char *expected_name;
    int rows;
    int matching;
};

static void on_addr(const char *addr, const char *unique, lnr_uData user_data)
{
    struct row_check *rows = user_data;
    rows->rows++;
    if (strcmp(addr, rows->expected_addr) == 0 && strcmp(unique, rows->expected_name) == 0) {
        rows->matching++;
    }
}

static void on_pending(const char *addr, const char *topic, const char *unique,
                       long long count, lnr_uData user_data)
{
    CHECK(addr != NULL && topic != NULL && unique != NULL && count > 0);
    (*(int *)user_data)++;
}

static void check_stopped_client(lnr_hClient a, const char *b_topic)
{
    CHECK(!lnr_is_running(a));
    CHECK(!lnr_send_to(a, b_topic, "x", 1, true));
    CHECK_ERROR(a, LNR_ERR_NOT_RUNNING);
    CHECK(!lnr_send_all(a, b_topic, "x", 1, false));
    CHECK_ERROR(a, LNR_ERR_NOT_RUNNING);
    CHECK(lnr_published_addr(a) == NULL);
    CHECK(lnr_clear_stored_messages(a));
    CHECK(lnr_clear_addresses_of_topic(a));
    CHECK(lnr_set_advertise_addr(a, "127.0.0.1:0"));
    CHECK_STREQ(lnr_advertise_addr(a), "127.0.0.1:0");
    CHECK(lnr_set_advertise_addr(a, NULL));
    CHECK(lnr_advertise_addr(a) == NULL);
}

static void check_running_errors(lnr_hClient a, const char *a_topic, const char *missing)
{
    CHECK(!lnr_set_advertise_addr(a, "127.0.0.1:0"));
    CHECK_ERROR(a, LNR_ERR_ALREADY_RUNNING);
    CHECK(!lnr_clear_stored_messages(a));
    CHECK_ERROR(a, LNR_ERR_CLEAR_WHILE_RUNNING);
    CHECK(!lnr_clear_addresses_of_topic(a));
    CHECK_ERROR(a, LNR_ERR_CLEAR_WHILE_RUNNING);
    CHECK(!lnr_send_to(a, a_topic, "x", 1, true));
    CHECK_ERROR(a, LNR_ERR_SELF_TOPIC);
    CHECK(!lnr_send_all(a, a_topic, "x", 1, true));
    CHECK_ERROR(a, LNR_ERR_SELF_TOPIC);
    CHECK(!lnr_send_to(a, "lnr_internal", "x", 1, true));
    CHECK_ERROR(a, LNR_ERR_INTERNAL_TOPIC);
    CHECK(!lnr_subscribe(a, "lnr_internal"));
    CHECK_ERROR(a, LNR_ERR_INTERNAL_TOPIC);
    CHECK(!lnr_send_to(a, NULL, "x", 1, true));
    CHECK_ERROR(a, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_send_to(a, missing, NULL, 5, true));
    CHECK_ERROR(a, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_send_to(a, missing, "x", 0, true));
    CHECK_ERROR(a, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_send_to(a, missing, "x", 1, true));
    CHECK_ERROR(a, LNR_ERR_NO_ADDR);
    CHECK(!lnr_refresh_address_topic(a, missing));
    CHECK_ERROR(a, LNR_ERR_NO_ADDR);
    CHECK(!lnr_unsubscribe(a, a_topic));
    CHECK_ERROR(a, LNR_ERR_INVALID_ARG);
    CHECK(lnr_unsubscribe(a, missing)); /* never subscribed: nothing to remove, as in 1.4 */
    CHECK(lnr_subscribe(a, missing) && lnr_unsubscribe(a, missing));
    CHECK(lnr_last_error_code(a) == LNR_OK);
}

static void check_oversize(lnr_hClient a, const char *b_topic)
{
    static const char payload[17] = "0123456789abcdef";
    CHECK(lnr_set_max_message_size(16));
    CHECK(lnr_send_to(a, b_topic, payload, 16, true));
    CHECK(!lnr_send_to(a, b_topic, payload, 17, true));
    CHECK_ERROR(a, LNR_ERR_INVALID_ARG);
    CHECK(!lnr_send_all(a, b_topic, payload, 17, true));
    CHECK_ERROR(a, LNR_ERR_INVALID_ARG);
    CHECK(lnr_config_reset());
}

int main(int argc, char **argv)
{
    const char *url = redis_url_from(argc, argv);
    char a_name[64], a_topic[64], b_name[64], b_topic[64], missing[64];
    unique_name(a_name, sizeof a_name, "asker");
    unique_name(a_topic, sizeof a_topic, "client.asker");
    unique_name(b_name, sizeof b_name, "answerer");
    unique_name(b_topic, sizeof b_topic, "client.answerer");
    unique_name(missing, sizeof missing, "client.nobody");

    lnr_hClient a = new_client_or_die(a_name, a_topic, url);
    lnr_hClient b = new_client_or_die(b_name, b_topic, url);
    static struct inbox a_inbox, b_inbox;
    a_inbox.self = a;
    b_inbox.self = b;

    CHECK(lnr_bound_listen_addr(a) == NULL); /* not bound before the first run */
    check_stopped_client(a, b_topic);
    CHECK(lnr_set_status_cb(a, on_status, status_seen));
    CHECK(lnr_run(b, on_request, &b_inbox));
    CHECK(lnr_run(a, on_reply, &a_inbox));
    CHECK(lnr_run(a, on_reply, &a_inbox)); /* idempotent */
    CHECK(lnr_is_running(a) && lnr_is_running(b));
    const char *published = lnr_published_addr(a);
    CHECK(published != NULL && strncmp(published, "127.0.0.1:", 10) == 0);
    CHECK(lnr_bound_listen_addr(a) != NULL);
    check_running_errors(a, a_topic, missing);
    check_oversize(a, b_topic);

    /* Round trip: ping from a to b; b replies from inside its callback. */
    CHECK(lnr_send_to(a, b_topic, "ping", 4, true));
    CHECK(lnr_last_error_code(a) == LNR_OK);
    CHECK(wait_for_count(&b_inbox.received, 2, WAIT_MS)); /* with the 16-byte one */
    CHECK(wait_for_count(&a_inbox.received, 2, WAIT_MS));
    CHECK_STREQ(b_inbox.to, b_topic);
    CHECK_STREQ(b_inbox.from, a_topic);
    CHECK_STREQ(a_inbox.to, a_topic);
    CHECK_STREQ(a_inbox.from, b_topic);
    CHECK_STREQ(a_inbox.data, "pong");
    CHECK(atomic_load(&b_inbox.replies_sent) == 2);
    CHECK(atomic_load(&b_inbox.refused_from_callback) == 2);
    CHECK(lnr_send_all(a, b_topic, "ping", 4, true));
    CHECK(wait_for_count(&a_inbox.received, 3, WAIT_MS));
    CHECK(wait_for_count(&status_seen[LNR_PEER_CONNECTED], 1, WAIT_MS));

    /* Catalog and store queries. */
    struct row_check rows = { lnr_published_addr(b), b_name, 0, 0 };
    CHECK(lnr_list_addresses(a, b_topic, on_addr, &rows));
    CHECK(rows.rows == 1 && rows.matching == 1);
    CHECK(lnr_pending_count(a) >= 0);
    int backlogs = 0;
    CHECK(lnr_pending_by_peer(a, on_pending, &backlogs));
    CHECK(lnr_refresh_address_topic(a, b_topic));

    /* Stop is idempotent, keeps the bound address, and run works again. */
    CHECK(lnr_set_status_cb(a, NULL, NULL));
    CHECK(lnr_stop(a) && lnr_stop(a));
    CHECK(lnr_bound_listen_addr(a) != NULL);
    check_stopped_client(a, b_topic);
    CHECK(lnr_run(a, on_reply, &a_inbox) && lnr_is_running(a));
    CHECK(lnr_stop(a));

    CHECK(lnr_delete_client(b) && !lnr_delete_client(b));
    CHECK(lnr_delete_client(a) && !lnr_delete_client(a));
    return check_summary("test_client");
}
