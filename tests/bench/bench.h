/*
 * bench.h: helpers shared by the benchmarks in tests/bench: clocks, sizes
 * from the environment, the figure printer, throwaway identities and a
 * Noise XX initiator that dials a real node.
 */

#ifndef BENCH_H
#define BENCH_H

#ifdef HAVE_CONFIG_H
#include "config.h"		/* _GNU_SOURCE before any system header */
#endif

#include <sys/resource.h>

#include "p2pchat.h"

/* A throwaway peer identity, built the way identity.c builds one. */
struct bench_id {
	uint8_t		ed_pk[32];
	uint8_t		ed_sk[64];
	uint8_t		x_pk[32];
	uint8_t		x_sk[32];
	uint8_t		payload[IDENTITY_PAYLOAD_LEN];
	char		nick[NICK_MAX + 1];
};

/* Where a client connection is. */
enum bench_client_state {
	BC_CONNECTING,
	BC_MSG2,		/* message 1 sent, waiting for message 2 */
	BC_HELLO,		/* message 3 and HELLO sent, waiting for HELLO */
	BC_OPEN,		/* the node's HELLO arrived */
	BC_FAILED,
};

/* One connection from the bench to a node, as a Noise initiator. */
struct bench_client {
	enum bench_client_state	 state;
	const struct bench_id	*id;
	struct bufferevent	*bev;
	struct noise_hs		*hs;
	struct noise_cipher	 tx;
	struct noise_cipher	 rx;
	uint8_t			 node_id[PEER_ID_LEN];
	const char		*why;		/* why it failed */
	void			(*done)(struct bench_client *);
	void			*arg;
};

/* bench-util.c */
int64_t		 bench_ns(void);
double		 bench_sec(int64_t, int64_t);
long		 bench_env(const char *, long);
void		 bench_figure(const char *, double, const char *, const char *);
void		 bench_header(const char *);
void		 bench_nofile(rlim_t);
long		 bench_rss_kib(pid_t);
double		 bench_cpu_sec(pid_t);
void		 bench_id_make(struct bench_id *, const char *, u_int);
int		 bench_addr(const char *, struct sockaddr_in *);
int		 bench_client_start(struct bench_client *, struct event_base *,
		     const struct sockaddr_in *, const struct bench_id *);
void		 bench_client_free(struct bench_client *);
int		 bench_cmp_ns(const void *, const void *);
int64_t		 bench_pct(int64_t *, size_t, double);

#endif /* BENCH_H */
