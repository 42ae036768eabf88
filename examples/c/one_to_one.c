/*
 * One sender, one listener: 1000 at-least-once messages arrive once each, in order.
 *
 * Run: build/one_to_one redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 * Exit status 0 when every message arrived once and in order.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <string.h>

#include "common.h"

enum { COUNT = 1000 };

struct inbox {
    atomic_int received;
    atomic_int out_of_order; /* messages whose number was not the next expected one */
};

/* Runs on the listener's library thread; data is valid only during the call. */
static void on_message(const char *to, const char *from, const char *data, size_t size,
                       lnr_uData user_data)
{
    struct inbox *inbox = user_data;
    uint32_t n;
    (void)to;
    (void)from;
    if (size != sizeof n) {
        atomic_fetch_add(&inbox->out_of_order, 1);
        return;
    }
    memcpy(&n, data, sizeof n);
    if ((int)n != atomic_load(&inbox->received)) {
        atomic_fetch_add(&inbox->out_of_order, 1);
    }
    atomic_fetch_add(&inbox->received, 1);
}

int main(int argc, char **argv)
{
    const char *redis_url = redis_url_from(argc, argv);
    char listener_name[64], listener_topic[64], sender_name[64], sender_topic[64];
    unique_name(listener_name, sizeof listener_name, "listener");
    unique_name(listener_topic, sizeof listener_topic, "one_to_one.listener");
    unique_name(sender_name, sizeof sender_name, "sender");
    unique_name(sender_topic, sizeof sender_topic, "one_to_one.sender");

    struct inbox inbox = { 0, 0 };
    lnr_hClient listener = new_client_or_die(listener_name, listener_topic, redis_url);
    lnr_hClient sender = new_client_or_die(sender_name, sender_topic, redis_url);
    if (!lnr_run(listener, on_message, &inbox)) {
        die(listener, "lnr_run(listener)");
    }
    if (!lnr_run(sender, NULL, NULL)) { /* send-only */
        die(sender, "lnr_run(sender)");
    }

    for (uint32_t n = 0; n < COUNT; n++) {
        if (!lnr_send_to(sender, listener_topic, (const char *)&n, sizeof n, true)) {
            die(sender, "lnr_send_to #%u", (unsigned)n);
        }
    }
    bool all_arrived = wait_for_count(&inbox.received, COUNT, 20000);

    lnr_delete_client(sender);
    lnr_delete_client(listener);
    int received = atomic_load(&inbox.received);
    int out_of_order = atomic_load(&inbox.out_of_order);
    if (!all_arrived || received != COUNT || out_of_order != 0) {
        fprintf(stderr, "one_to_one: FAILED: received %d of %d, %d out of order\n", received,
                COUNT, out_of_order);
        return 1;
    }
    printf("one_to_one: %d messages delivered once, in order\n", COUNT);
    return 0;
}
