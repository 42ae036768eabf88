/*
 * A producer hands jobs to a pool of two consumers (lnr_send_to round-robins over the
 * consumers registered under the jobs topic); each consumer squares the number and replies
 * to the producer from inside its receive callback. The producer checks every result.
 *
 * Run: build/producer_consumer redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 * Exit status 0 when every job was answered once with the right result and both consumers
 * took part.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <string.h>

#include "common.h"

enum { CONSUMERS = 2, JOBS = 500 };

/* Sent as raw bytes, so it must have no padding (padding bytes would be uninitialised). */
struct job {
    int64_t id;
    int64_t value;
};
_Static_assert(sizeof(struct job) == 2 * sizeof(int64_t), "struct job has no padding");

struct consumer {
    lnr_hClient client;
    atomic_int handled;
    atomic_int reply_failures;
};

struct producer {
    atomic_int results;
    atomic_int wrong;
    atomic_int answered[JOBS];
};

/* Consumer side: square the value and reply to the job's sender (its topic is `from`). */
static void on_job(const char *to, const char *from, const char *data, size_t size,
                   lnr_uData user_data)
{
    struct consumer *self = user_data;
    struct job job;
    (void)to;
    if (size != sizeof job) {
        return;
    }
    memcpy(&job, data, sizeof job);
    job.value *= job.value;
    /* Replying from inside the callback is allowed. */
    if (!lnr_send_to(self->client, from, (const char *)&job, sizeof job, true)) {
        atomic_fetch_add(&self->reply_failures, 1);
    }
    atomic_fetch_add(&self->handled, 1);
}

/* Producer side: check each result. */
static void on_result(const char *to, const char *from, const char *data, size_t size,
                      lnr_uData user_data)
{
    struct producer *self = user_data;
    struct job result;
    (void)to;
    (void)from;
    if (size != sizeof result) {
        atomic_fetch_add(&self->wrong, 1);
        return;
    }
    memcpy(&result, data, sizeof result);
    int64_t expected = result.id * result.id;
    if (result.id < 0 || result.id >= JOBS || result.value != expected
        || atomic_fetch_add(&self->answered[result.id], 1) != 0) {
        atomic_fetch_add(&self->wrong, 1);
    }
    atomic_fetch_add(&self->results, 1);
}

int main(int argc, char **argv)
{
    const char *redis_url = redis_url_from(argc, argv);
    char jobs_topic[64], name[64], topic[64];
    unique_name(jobs_topic, sizeof jobs_topic, "producer_consumer.jobs");

    static struct consumer consumers[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++) {
        unique_name(name, sizeof name, "consumer");
        unique_name(topic, sizeof topic, "producer_consumer.consumer");
        consumers[i].client = new_client_or_die(name, topic, redis_url);
        if (!lnr_subscribe(consumers[i].client, jobs_topic)) {
            die(consumers[i].client, "lnr_subscribe(%s)", jobs_topic);
        }
        if (!lnr_run(consumers[i].client, on_job, &consumers[i])) {
            die(consumers[i].client, "lnr_run(consumer %d)", i);
        }
    }

    static struct producer producer;
    unique_name(name, sizeof name, "producer");
    unique_name(topic, sizeof topic, "producer_consumer.producer");
    lnr_hClient client = new_client_or_die(name, topic, redis_url);
    if (!lnr_run(client, on_result, &producer)) {
        die(client, "lnr_run(producer)");
    }
    for (int64_t id = 0; id < JOBS; id++) {
        struct job job = { id, id };
        if (!lnr_send_to(client, jobs_topic, (const char *)&job, sizeof job, true)) {
            die(client, "lnr_send_to job %lld", (long long)id);
        }
    }

    bool all_answered = wait_for_count(&producer.results, JOBS, 20000);
    sleep_ms(100); /* a duplicate would show up by now */
    lnr_delete_client(client);
    bool ok = all_answered && atomic_load(&producer.results) == JOBS
              && atomic_load(&producer.wrong) == 0;
    for (int i = 0; i < CONSUMERS; i++) {
        int handled = atomic_load(&consumers[i].handled);
        int failures = atomic_load(&consumers[i].reply_failures);
        printf("producer_consumer: consumer %d handled %d jobs\n", i, handled);
        ok = ok && handled > 0 && failures == 0;
        lnr_delete_client(consumers[i].client);
    }
    if (!ok) {
        fprintf(stderr, "producer_consumer: FAILED: %d of %d results, %d wrong or duplicated\n",
                atomic_load(&producer.results), JOBS, atomic_load(&producer.wrong));
        return 1;
    }
    printf("producer_consumer: %d jobs answered once each, correctly\n", JOBS);
    return 0;
}
