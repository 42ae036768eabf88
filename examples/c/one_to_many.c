/*
 * One publisher, three subscribers of a common topic: lnr_send_all delivers every message
 * to every subscriber, once.
 *
 * Run: build/one_to_many redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 * Exit status 0 when each subscriber received every message once.
 */
#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "common.h"

enum { SUBSCRIBERS = 3, COUNT = 300 };

/* Runs on a subscriber's library thread. */
static void on_message(const char *to, const char *from, const char *data, size_t size,
                       lnr_uData user_data)
{
    (void)from;
    (void)data;
    (void)size;
    (void)to;
    atomic_fetch_add((atomic_int *)user_data, 1);
}

int main(int argc, char **argv)
{
    const char *redis_url = redis_url_from(argc, argv);
    char news[64], name[64], topic[64];
    unique_name(news, sizeof news, "one_to_many.news");

    lnr_hClient subscribers[SUBSCRIBERS];
    atomic_int received[SUBSCRIBERS];
    for (int i = 0; i < SUBSCRIBERS; i++) {
        atomic_init(&received[i], 0);
        unique_name(name, sizeof name, "subscriber");
        unique_name(topic, sizeof topic, "one_to_many.inbox");
        subscribers[i] = new_client_or_die(name, topic, redis_url);
        /* Before run: the subscription is registered together with the own topic. */
        if (!lnr_subscribe(subscribers[i], news)) {
            die(subscribers[i], "lnr_subscribe(%s)", news);
        }
        if (!lnr_run(subscribers[i], on_message, &received[i])) {
            die(subscribers[i], "lnr_run(subscriber %d)", i);
        }
    }

    unique_name(name, sizeof name, "publisher");
    unique_name(topic, sizeof topic, "one_to_many.publisher");
    lnr_hClient publisher = new_client_or_die(name, topic, redis_url);
    if (!lnr_run(publisher, NULL, NULL)) {
        die(publisher, "lnr_run(publisher)");
    }
    for (int n = 0; n < COUNT; n++) {
        char message[32];
        int length = snprintf(message, sizeof message, "news #%d", n);
        if (!lnr_send_all(publisher, news, message, (size_t)length, true)) {
            die(publisher, "lnr_send_all #%d", n);
        }
    }

    bool ok = true;
    for (int i = 0; i < SUBSCRIBERS; i++) {
        ok = wait_for_count(&received[i], COUNT, 20000) && ok;
    }
    sleep_ms(100); /* a duplicate would show up by now */
    lnr_delete_client(publisher);
    for (int i = 0; i < SUBSCRIBERS; i++) {
        lnr_delete_client(subscribers[i]);
        int got = atomic_load(&received[i]);
        if (got != COUNT) {
            fprintf(stderr, "one_to_many: FAILED: subscriber %d received %d of %d\n", i, got,
                    COUNT);
            ok = false;
        }
    }
    if (!ok) {
        return 1;
    }
    printf("one_to_many: %d subscribers each received all %d messages once\n", SUBSCRIBERS,
           COUNT);
    return 0;
}
