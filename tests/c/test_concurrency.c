/*
 * The C API under concurrent use: several threads sending on one handle; stopping and
 * deleting a client while its receive callback keeps replying through the same handle
 * (the join must not deadlock, no callback runs after the call returned); two threads
 * deleting the same handle at once (exactly one succeeds).
 *
 * Run: build/test_concurrency redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>

#include "check.h"
#include "common.h"

enum { SENDERS = 4, PER_SENDER = 250, WAIT_MS = 30000 };

/* A replying listener: every message is answered to its sender's topic from the callback. */
struct echo {
    lnr_hClient self;
    atomic_int received;
    atomic_int replies_failed;
};

static void on_echo(const char *to, const char *from, const char *data, size_t size,
                    lnr_uData user_data)
{
    struct echo *echo = user_data;
    (void)to;
    if (!lnr_send_to(echo->self, from, data, size, true)) {
        atomic_fetch_add(&echo->replies_failed, 1);
    }
    atomic_fetch_add(&echo->received, 1);
}

static void on_count(const char *to, const char *from, const char *data, size_t size,
                     lnr_uData user_data)
{
    (void)to;
    (void)from;
    (void)data;
    (void)size;
    atomic_fetch_add((atomic_int *)user_data, 1);
}

struct flood {
    lnr_hClient from;
    const char *topic;
    int count;          /* messages to send; 0 = until `stop` */
    atomic_int *stop;
    atomic_int sent;
    atomic_int failed;
};

static void *flood_thread(void *arg)
{
    struct flood *flood = arg;
    for (int n = 0; flood->count == 0 ? !atomic_load(flood->stop) : n < flood->count; n++) {
        if (lnr_send_to(flood->from, flood->topic, "tick", 4, true)) {
            atomic_fetch_add(&flood->sent, 1);
        } else {
            atomic_fetch_add(&flood->failed, 1);
            sleep_ms(1);
        }
    }
    return NULL;
}

static void start(pthread_t *thread, struct flood *flood)
{
    if (pthread_create(thread, NULL, flood_thread, flood) != 0) {
        die(NULL, "pthread_create");
    }
}

/* SENDERS threads share one handle; every message arrives. */
static void check_parallel_senders(lnr_hClient sender, const char *topic, atomic_int *received)
{
    pthread_t threads[SENDERS];
    static struct flood floods[SENDERS];
    for (int i = 0; i < SENDERS; i++) {
        floods[i] = (struct flood){ .from = sender, .topic = topic, .count = PER_SENDER };
        start(&threads[i], &floods[i]);
    }
    int sent = 0;
    for (int i = 0; i < SENDERS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(atomic_load(&floods[i].failed) == 0);
        sent += atomic_load(&floods[i].sent);
    }
    CHECK(sent == SENDERS * PER_SENDER);
    CHECK(wait_for_count(received, SENDERS * PER_SENDER, WAIT_MS));
}

/* Stops (then deletes) `echo` while `sender` floods it and its callback replies. */
static void check_stop_and_delete_under_load(lnr_hClient sender, struct echo *echo,
                                             const char *echo_topic)
{
    atomic_int stop = 0;
    static struct flood flood;
    flood = (struct flood){ .from = sender, .topic = echo_topic, .count = 0, .stop = &stop };
    pthread_t thread;
    start(&thread, &flood);

    int before = atomic_load(&echo->received);
    CHECK(wait_for_count(&echo->received, before + 50, WAIT_MS));
    CHECK(lnr_stop(echo->self));
    int after_stop = atomic_load(&echo->received);
    sleep_ms(100);
    CHECK(atomic_load(&echo->received) == after_stop); /* no callback after stop returned */
    CHECK(lnr_run(echo->self, on_echo, echo));

    before = atomic_load(&echo->received);
    CHECK(wait_for_count(&echo->received, before + 50, WAIT_MS));
    CHECK(lnr_delete_client(echo->self));
    int after_delete = atomic_load(&echo->received);
    sleep_ms(100);
    CHECK(atomic_load(&echo->received) == after_delete);
    CHECK(!lnr_send_to(echo->self, "anything", "x", 1, true));

    atomic_store(&stop, 1);
    pthread_join(thread, NULL);
    CHECK(atomic_load(&flood.sent) > 0);
}

struct racer {
    lnr_hClient victim;
    atomic_int *go;
    bool deleted;
};

static void *delete_thread(void *arg)
{
    struct racer *racer = arg;
    while (!atomic_load(racer->go)) {
        sched_yield();
    }
    racer->deleted = lnr_delete_client(racer->victim);
    return NULL;
}

/* Two threads delete the same running client at once: exactly one wins. */
static void check_racing_deletes(lnr_hClient victim)
{
    atomic_int go = 0;
    struct racer racers[2] = { { victim, &go, false }, { victim, &go, false } };
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        if (pthread_create(&threads[i], NULL, delete_thread, &racers[i]) != 0) {
            die(NULL, "pthread_create");
        }
    }
    atomic_store(&go, 1);
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
    }
    CHECK(racers[0].deleted != racers[1].deleted);
    CHECK(!lnr_is_running(victim) && !lnr_delete_client(victim));
}

int main(int argc, char **argv)
{
    const char *url = redis_url_from(argc, argv);
    char name[64], sink_topic[64], echo_topic[64], sender_topic[64];
    unique_name(sink_topic, sizeof sink_topic, "concurrency.sink");
    unique_name(echo_topic, sizeof echo_topic, "concurrency.echo");
    unique_name(sender_topic, sizeof sender_topic, "concurrency.sender");

    static atomic_int sink_received, sender_received;
    unique_name(name, sizeof name, "sink");
    lnr_hClient sink = new_client_or_die(name, sink_topic, url);
    unique_name(name, sizeof name, "echo");
    static struct echo echo;
    echo.self = new_client_or_die(name, echo_topic, url);
    unique_name(name, sizeof name, "sender");
    lnr_hClient sender = new_client_or_die(name, sender_topic, url);
    CHECK(lnr_run(sink, on_count, &sink_received));
    CHECK(lnr_run(echo.self, on_echo, &echo));
    CHECK(lnr_run(sender, on_count, &sender_received));

    check_parallel_senders(sender, sink_topic, &sink_received);
    check_stop_and_delete_under_load(sender, &echo, echo_topic);
    CHECK(atomic_load(&sender_received) > 0); /* replies sent from inside the callback */

    check_racing_deletes(sink);
    CHECK(lnr_delete_client(sender));
    return check_summary("test_concurrency");
}
