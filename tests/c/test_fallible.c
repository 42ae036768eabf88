/*
 * Refusing a message through the C API (lnr_run_fallible): a callback that returns non-zero
 * for the first attempt of every fifth message gets every message exactly once as accepted,
 * in the order sent, and each refused one exactly once more; nothing stays parked. A NULL
 * fallible callback makes a send-only client, as with lnr_run.
 *
 * Run: build/test_fallible redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>

#include "check.h"
#include "common.h"

enum { MESSAGES = 30, REFUSE_EVERY = 5, WAIT_MS = 30000 };

/* What the listener's callback saw; written on the listener thread only. */
struct ledger {
    int attempts[MESSAGES];
    int accepted_order[MESSAGES];
    atomic_int accepted;
    atomic_int strays; /* payloads that are not one of ours */
};

static int on_message(const char *to, const char *from, const char *data, size_t size,
                      lnr_uData user_data)
{
    (void)to;
    (void)from;
    struct ledger *ledger = user_data;
    char text[8] = { 0 };
    memcpy(text, data, size < sizeof text - 1 ? size : sizeof text - 1);
    int n = atoi(text);
    if (n < 0 || n >= MESSAGES || atomic_load(&ledger->accepted) >= MESSAGES) {
        atomic_fetch_add(&ledger->strays, 1);
        return 0;
    }
    ledger->attempts[n] += 1;
    if (n % REFUSE_EVERY == REFUSE_EVERY - 1 && ledger->attempts[n] == 1) {
        return 1; /* not processed: deliver it again later */
    }
    ledger->accepted_order[atomic_load(&ledger->accepted)] = n;
    atomic_fetch_add(&ledger->accepted, 1);
    return 0;
}

static void check_ledger(const struct ledger *ledger)
{
    for (int i = 0; i < MESSAGES; i++) {
        bool refused_once = i % REFUSE_EVERY == REFUSE_EVERY - 1;
        if (!CHECK(ledger->accepted_order[i] == i)) {
            fprintf(stderr, "    position %d holds message %d\n", i, ledger->accepted_order[i]);
        }
        if (!CHECK(ledger->attempts[i] == (refused_once ? 2 : 1))) {
            fprintf(stderr, "    message %d was handed over %d times\n", i, ledger->attempts[i]);
        }
    }
    CHECK(atomic_load(&ledger->strays) == 0);
}

int main(int argc, char **argv)
{
    const char *url = redis_url_from(argc, argv);
    char listener_name[64], sender_name[64];
    unique_name(listener_name, sizeof listener_name, "fallible.listener");
    unique_name(sender_name, sizeof sender_name, "fallible.sender");
    CHECK(LNR_ERR_ABANDONED == 12 && LNR_FRAMES_ABANDONED == 11);

    static struct ledger ledger;
    lnr_hClient listener = new_client_or_die(listener_name, listener_name, url);
    lnr_hClient sender = new_client_or_die(sender_name, sender_name, url);
    CHECK(lnr_run_fallible(listener, on_message, &ledger));
    CHECK(lnr_run_fallible(sender, NULL, NULL));
    CHECK(lnr_refresh_address_topic(sender, listener_name));

    char payload[8];
    for (int n = 0; n < MESSAGES; n++) {
        int length = snprintf(payload, sizeof payload, "%d", n);
        CHECK(lnr_send_to(sender, listener_name, payload, (size_t)length, true));
    }
    CHECK(wait_for_count(&ledger.accepted, MESSAGES, WAIT_MS));
    for (long waited = 0; lnr_pending_count(sender) != 0 && waited < WAIT_MS; waited += 10) {
        sleep_ms(10);
    }
    CHECK(lnr_pending_count(sender) == 0);
    CHECK(lnr_stop(listener)); /* joins the listener thread: the ledger is final */
    check_ledger(&ledger);

    CHECK(lnr_delete_client(sender) && lnr_delete_client(listener));
    return check_summary("test_fallible");
}
