/*
 * p2pchat.h: the central header. Shared structures and every cross-file
 * prototype, grouped by the file that defines them.
 */

#ifndef P2PCHAT_H
#define P2PCHAT_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <sodium.h>

#include "compat.h"
#include "noise.h"

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#define printflike(a, b) __attribute__((__format__(__printf__, a, b)))

#define P2PCHAT_PROLOGUE	"p2pchat/1"
#define P2PCHAT_NOISE		"Noise_XX_25519_ChaChaPoly_BLAKE2b"
#define P2PCHAT_SIGCTX		"p2pchat/1 noise static"
#define PEER_ID_LEN		32
#define PEER_HEX_LEN		64
#define MSGID_LEN		16
#define NICK_MAX		64
#define TEXT_MAX		16384
#define FRAME_MAX		65535
#define RECORD_MAX		(FRAME_MAX - NOISE_TAGLEN)
#define IDENTITY_PAYLOAD_LEN	96

/* Record types (p2pchat-protocol(7), RECORD FORMATS). */
#define REC_HELLO		0x01
#define REC_PING		0x02
#define REC_PONG		0x03
#define REC_BYE			0x04
#define REC_CHAT		0x10
#define REC_ACK			0x11
#define REC_TYPING		0x12
#define REC_PEX_REQUEST		0x20
#define REC_PEX			0x21
#define REC_ROOM_MSG		0x30
#define REC_ROOM_SYNC		0x31	/* retired: see ROOMS AND RELAY */
#define REC_ROOM_MEMBER		0x32
#define REC_ROOM_POST		0x33
#define REC_ROOM_IHAVE		0x34
#define REC_ROOM_IWANT		0x35
#define REC_ROOM_MARKS		0x36
#define REC_ROOM_GRAFT		0x37
#define REC_RELAY		0x38
#define REC_RELAY_ACK		0x39
#define REC_OBSERVED		0x50
#define REC_DIALBACK		0x51
#define REC_DIALBACK_PROOF	0x52
#define REC_DIALBACK_RESULT	0x53

/* DIALBACK_RESULT statuses. */
#define DIALBACK_OK		0	/* reached; the proof was sent */
#define DIALBACK_FAILED		1	/* no answer there */
#define DIALBACK_REFUSED	2	/* not the asker's own address */
#define DIALBACK_BUSY		3	/* over the pace; ask later */
#define DIALBACK_NONCE_LEN	16
#define REC_CIRCUIT_RESERVE	0x54
#define REC_CIRCUIT_RESERVED	0x55
#define REC_CIRCUIT_CONNECT	0x56
#define REC_CIRCUIT_OPENED	0x57
#define REC_CIRCUIT_DATA	0x58
#define REC_CIRCUIT_CLOSE	0x59
#define REC_CIRCUIT_VIA		0x5a
#define REC_PUNCH_CONNECT	0x5b
#define REC_PUNCH_SYNC		0x5c
#define PUNCH_ATTEMPTS		3	/* a punch tries this often */

/* HELLO features bits (p2pchat-protocol(7), HELLO FEATURES). */
#define FEATURE_RELAY		0x00000001	/* relays circuits */
#define FEATURE_PUNCH		0x00000002	/* punches holes (punch.c) */
#define FEATURE_ROOMS		0x00000004	/* rooms by member tags */
#define FEATURE_FULL		0x00000008	/* full for strangers (node.c) */

/* BYE reasons. */
#define BYE_NORMAL		0
#define BYE_PROTOCOL		1
#define BYE_DUPLICATE		2
#define BYE_OVERLOADED		3
#define BYE_BLOCKED		4

struct cmd_ctx;
struct conv;
struct msg;
struct peer;
struct record;
struct room;
struct session;

/* log.c */
#define LOG_FATAL	0
#define LOG_WARN	1
#define LOG_INFO	2
#define LOG_DEBUG	3
int		 log_open(const char *, int, char **);
void		 log_close(void);
void		 log_reopen(void);
void		 log_set_fatal_hook(void (*)(void));
void		 log_write(int, const char *, ...) printflike(2, 3);
__dead void	 fatal(const char *, ...) printflike(1, 2);
__dead void	 fatalx(const char *, ...) printflike(1, 2);
#define log_debug(...)	log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)	log_write(LOG_INFO, __VA_ARGS__)
#define log_warnx(...)	log_write(LOG_WARN, __VA_ARGS__)

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...) printflike(2, 3);
int		 xvasprintf(char **, const char *, va_list)
		     __attribute__((__format__(__printf__, 2, 0)));
int		 xsnprintf(char *, size_t, const char *, ...) printflike(3, 4);

/* buf.c */
struct buf {
	u_char	*d;
	size_t	 size;		/* bytes held */
	size_t	 off;		/* read position */
	size_t	 alloc;		/* 0 for a read-only view */
};
void		 buf_from(struct buf *, const void *, size_t);
void		 buf_init(struct buf *);
void		 buf_free(struct buf *);
void		 buf_reset(struct buf *);
size_t		 buf_left(const struct buf *);
int		 buf_get(struct buf *, void *, size_t);
int		 buf_get_ptr(struct buf *, const u_char **, size_t);
int		 buf_get_u8(struct buf *, uint8_t *);
int		 buf_get_u16(struct buf *, uint16_t *);
int		 buf_get_u32(struct buf *, uint32_t *);
int		 buf_get_u64(struct buf *, uint64_t *);
u_char		*buf_reserve(struct buf *, size_t);
void		 buf_put(struct buf *, const void *, size_t);
void		 buf_put_u8(struct buf *, uint8_t);
void		 buf_put_u16(struct buf *, uint16_t);
void		 buf_put_u32(struct buf *, uint32_t);
void		 buf_put_u64(struct buf *, uint64_t);
void		 buf_poke_u16(u_char *, uint16_t);

/* utf8.c */
#define UTF8_NO_CONTROL	1
int		 utf8_valid(const char *, size_t, int);
size_t		 utf8_cut(const char *, size_t, size_t);
int		 utf8_decode(const u_char *, size_t, uint32_t *);

/* hex.c */
void		 hex_encode(const uint8_t *, size_t, char *);
int		 hex_decode(const char *, uint8_t *, size_t);

/* clock.c */
int64_t		 now_ms(void);
int64_t		 mono_us(void);
void		 timer_add_ms(struct event *, int64_t);

/* random.c */
void		 random_id(void *, size_t);

/* addr.c */
#define ADDR_BAD		0
#define ADDR_LOOPBACK		1
#define ADDR_PRIVATE		2
#define ADDR_PUBLIC		3
int		 addr_parse(const char *, char **, u_short *, char **);
void		 addr_sockaddr_host(const struct sockaddr *, char *, size_t,
		     u_short *);
int		 addr_class(int, const uint8_t *);
int		 addr_host_class(const char *);

/* io.c */
#define IO_READ_MAX	(64 * 1024)	/* read at most a turn */
ssize_t		 io_read(int, struct evbuffer *, size_t);

/* json.c */
struct json {
	struct buf	b;
	int		first;
};
void		 json_begin(struct json *, const char *);
void		 json_str(struct json *, const char *, const char *);
void		 json_strn(struct json *, const char *, const char *, size_t);
void		 json_int(struct json *, const char *, long long);
void		 json_bool(struct json *, const char *, int);
void		 json_hex(struct json *, const char *, const uint8_t *, size_t);
const char	*json_end(struct json *, size_t *);
void		 json_escape(struct buf *, const char *, size_t);
#define JSON_FIELDS	16	/* members of an object read, at most */
#define JSON_STRING	1
#define JSON_NUMBER	2
#define JSON_BOOL	3
#define JSON_NULL	4
/* A member of an object read by json_parse. */
struct json_field {
	char		*key;
	int		 type;
	char		*str;		/* JSON_STRING */
	long long	 num;		/* JSON_NUMBER, JSON_BOOL */
};
int		 json_parse(const char *, size_t, struct json_field *, char **);
void		 json_fields_free(struct json_field *, u_int);
const struct json_field *json_field_get(const struct json_field *, u_int,
		     const char *);

/* config.c */
enum cfg_type {
	CFG_STRING,
	CFG_NUMBER,
	CFG_FLAG,
	CFG_LIST,		/* repeatable ADDR:PORT */
	CFG_ADDR,		/* one ADDR:PORT */
	CFG_CHOICE,
};
enum cfg_key {
	CFG_NICK,
	CFG_LISTEN,
	CFG_BOOTSTRAP,
	CFG_MAX_PEERS,
	CFG_MAX_HANDSHAKES,
	CFG_MAX_PER_ADDRESS,
	CFG_MAX_PEERS_PER_ADDRESS,
	CFG_MAX_PEERS_PER_NETWORK,
	CFG_PEERS_TARGET,
	CFG_PEERS_FULL,
	CFG_LAN_DISCOVERY,
	CFG_LAN_PORT,
	CFG_LAN_INTERVAL,
	CFG_PEX_INTERVAL,
	CFG_PEX_ANSWER,
	CFG_PEX_REFUSALS,
	CFG_ROOM_DIAL,
	CFG_MESSAGES_PER_HOUR,
	CFG_BYTES_PER_HOUR,
	CFG_STRANGER_MESSAGES_PER_HOUR,
	CFG_STRANGER_BYTES_PER_HOUR,
	CFG_STRANGER_MESSAGES_TOTAL,
	CFG_STRANGER_BYTES_TOTAL,
	CFG_ACCEPT,
	CFG_PORT_MAPPING,
	CFG_HOLE_PUNCHING,
	CFG_REQUESTS,
	CFG_REQUESTS_PER_ADDRESS,
	CFG_REQUESTS_PER_HOUR,
	CFG_REQUEST_MESSAGES,
	CFG_SYNC,
	CFG_RELAY,
	CFG_RELAYS,
	CFG_RELAY_RESERVATIONS,
	CFG_RELAY_RESERVATIONS_PER_PEER,
	CFG_RELAY_RESERVATIONS_PER_ADDRESS,
	CFG_RELAY_RESERVATION_LIFETIME,
	CFG_RELAY_CIRCUITS,
	CFG_RELAY_CIRCUITS_PER_PEER,
	CFG_RELAY_CIRCUIT_SECONDS,
	CFG_RELAY_CIRCUIT_BYTES,
	CFG_RELAY_CONTACT_SECONDS,
	CFG_RELAY_CONTACT_BYTES,
	CFG_LOG_LEVEL,
	CFG_LOG_MAX_SIZE,
	CFG_TIME_FORMAT,
	CFG_DATE_FORMAT,
	CFG_COLOURS,
	CFG_BELL,
	CFG_TITLE,
	CFG_NOTIFY,
	CFG_PASTE_LINES,
	CFG_ESCAPE_DELAY,
	CFG_UI_DAEMON,
	CFG_UI_QUIT,
	CFG_DHT_ENABLE,
	CFG_DHT_PORT,
	CFG_DHT_BOOTSTRAP,
	CFG_DHT_READ_ONLY,
	CFG__COUNT
};
struct cfg_entry {
	enum cfg_key	 key;
	const char	*section;
	const char	*name;
	enum cfg_type	 type;
	const char	*dflt;
	long long	 min;
	long long	 max;
	const char	*choices;	/* "a|b|c" for CFG_CHOICE */
	const char	*help;
};
extern const struct cfg_entry cfg_table[];
int		 cfg_load(const char *, int, char **);
int		 cfg_set(enum cfg_key, const char *, char **);
const char	*cfg_str(enum cfg_key);
long long	 cfg_num(enum cfg_key);
u_int		 cfg_list_count(enum cfg_key);
const char	*cfg_list_get(enum cfg_key, u_int);
void		 cfg_list_add(enum cfg_key, const char *);
void		 cfg_reset(void);
void		 cfg_table_print(FILE *);
/* A line of [keys], kept as it was for the screen to check. */
struct cfg_binding {
	char		*action;
	char		*keys;
	char		*file;
	int		 line;
};
const struct cfg_binding *cfg_bindings(u_int *);

/* identity.c */
struct identity {
	uint8_t		 ed_pk[32];
	uint8_t		*ed_sk;		/* 64 bytes, sodium_malloc */
	uint8_t		 x_pk[32];
	uint8_t		*x_sk;		/* 32 bytes, sodium_malloc */
	uint8_t		 payload[IDENTITY_PAYLOAD_LEN];
	char		 hex[PEER_HEX_LEN + 1];
};
extern struct identity *identity;
int		 identity_load(int, char **);
void		 identity_free(void);
int		 identity_payload_check(const uint8_t *, size_t, const uint8_t *,
		     uint8_t *);
void		 identity_safety_number(const uint8_t *, const uint8_t *, char *,
		     size_t);

/* frontend.c */
struct fe_kv {
	const char	*key;
	const char	*str;		/* NULL for a number */
	long long	 num;
};
/* The frontend: the screen or the headless JSON Lines printer. */
struct frontend {
	const char	*name;
	void		(*ready)(const char *);
	void		(*peer)(struct peer *);
	void		(*message)(struct conv *, const struct msg *);
	void		(*state)(struct conv *, const struct msg *);
	void		(*typing)(struct peer *);
	void		(*renamed)(struct peer *, const char *);
	void		(*request)(struct conv *, const struct msg *, int);
	void		(*error)(const char *);
	void		(*warning)(const char *, struct peer *);
	void		(*item)(const char *, const struct fe_kv *, u_int);
	void		(*list_peer)(struct peer *, u_int);
	void		(*list_msg)(const char *, struct conv *,
			    const struct msg *);
	void		(*done)(const char *);
	void		(*help_keys)(void);
	void		(*open_conv)(struct conv *);
	void		(*close_conv)(struct conv *);
	void		(*flush)(void);		/* write out events now */
};
extern const struct frontend *fe;
void		 fe_errorf(const char *, ...) printflike(1, 2);
void		 fe_store_error(const char *, char *);

/* store.c */
/* Message states and trust states, as stored. */
#define MSG_PENDING		0
#define MSG_SENT		1
#define MSG_DELIVERED		2
#define MSG_RECEIVED		3
#define TRUST_UNVERIFIED	0
#define TRUST_VERIFIED		1
#define TRUST_BLOCKED		2

/* A message, as stored and as shown. */
struct msg {
	int64_t		 rowid;
	int64_t		 conv;
	uint8_t		 id[MSGID_LEN];
	uint8_t		 author[PEER_ID_LEN];
	int		 outgoing;
	int		 state;
	int64_t		 ts;		/* author's sent_at, Unix ms */
	int64_t		 stored;	/* local time stored, Unix ms */
	char		 nick[NICK_MAX + 1]; /* author's nick then, or "" */
	char		*text;
	size_t		 len;
};
struct msg_list {
	struct msg	*v;
	u_int		 n;
};

/* Rows handed out by the loaders in store.c. */
struct peer_row {
	int64_t		 dbid;
	uint8_t		 id[PEER_ID_LEN];
	const char	*nick;
	int		 trust;
	int		 conflict;
	int64_t		 last_seen;
	int		 contact;
	const char	*name;
	int64_t		 request;
	const char	*request_addr;
};
struct conv_row {
	int64_t		 id;
	int64_t		 peer;
	const char	*room;
	const char	*secret;
	int		 joined;
	int64_t		 last_read;
	u_int		 unread;
	int		 shown;
};
struct addr_row {
	const char	*host;
	u_short		 port;
	int		 source;
	int		 failures;
	int64_t		 last_ok;
	int		 has_peer;
	uint8_t		 peer[PEER_ID_LEN];
	int		 has_claim;	/* the id a peer exchange gave */
	uint8_t		 claim[PEER_ID_LEN];
	int64_t		 last_try;
};
int		 store_open(const char *, char **);
int		 store_open_reader(const char *, char **);
void		 store_close(void);
int		 store_begin(char **);
int		 store_commit(char **);
int		 store_pending(void);
int		 store_lazy(void);
void		 store_may_wait(int);
int		 store_take_added(void);
int		 store_index(u_int, int *, char **);
int		 store_index_all(char **);
int		 store_identity_get(struct identity *, char **);
int		 store_identity_put(const struct identity *, char **);
int		 store_peer_load(void (*)(const struct peer_row *, void *),
		     void *, char **);
int		 store_peer_add(const uint8_t *, const char *, int, int64_t *,
		     int64_t *, char **);
int		 store_peer_seen(int64_t, const char *, char **);
int		 store_peer_trust(int64_t, int, char **);
int		 store_peer_conflict(int64_t, int, char **);
int		 store_peer_contact(int64_t, int, char **);
int		 store_peer_name(int64_t, const char *, char **);
int		 store_peer_request(int64_t, int64_t, const char *, char **);
int		 store_addr_pin(const char *, u_short, int64_t, int,
		    int64_t *, char **);
int		 store_addr_repin(int64_t, char **);
int		 store_conv_shown(int64_t, int, char **);
int		 store_conv_clear(int64_t, int *, char **);
int		 store_conv_load(void (*)(const struct conv_row *, void *),
		     void *, char **);
int		 store_conv_read(int64_t, int64_t, char **);
int		 store_conv_unread(int64_t, u_int, char **);
int		 store_conv_received(int64_t, int64_t *, int64_t *, char **);
size_t		 store_flights_held(void);
uint64_t	 store_vm_steps(void);
int		 store_msg_add(struct msg *, int *, char **);
int		 store_msg_state(int64_t, const uint8_t *, int, char **);
int		 store_msg_sent(int64_t, int64_t, int64_t, char **);
int		 store_msg_outbox(int64_t, int64_t, struct msg_list *, char **);
int		 store_msg_page(int64_t, int, int64_t, int64_t, u_int,
		     struct msg_list *, char **);
int		 store_msg_get(int64_t, struct msg *, char **);
int		 store_msg_search(const char *, u_int, struct msg_list *,
		     char **);
int		 store_msg_search_from(const char *, u_int, u_int,
		     struct msg_list *, u_int *, char **);
void		 msg_list_free(struct msg_list *);
int		 store_addr_add(const char *, u_short, int, int64_t, char **);
int		 store_addr_ok(const char *, u_short, int64_t, char **);
int		 store_addr_fail(const char *, u_short, char **);
int		 store_addr_learn(const char *, u_short, int, const uint8_t *,
		     char **);
int		 store_addr_trim(u_int, u_int, int64_t, char **);
int		 store_room_add(const char *, const char *, int64_t *,
		     char **);
int		 store_room_joined(int64_t, int, char **);
int		 store_room_log_add(const uint8_t *, const uint8_t *, int64_t,
		     const u_char *, size_t, char **);
int		 store_room_log_since(const uint8_t *, int64_t, int64_t, u_int,
		     void (*)(const u_char *, size_t, int64_t, int64_t, void *),
		     void *, char **);
int64_t		 store_room_log_last(const uint8_t *);
int		 store_room_post_add(const uint8_t *, const uint8_t *, uint64_t,
		     int64_t, int, const u_char *, size_t, int *, char **);
int		 store_room_post_after(const uint8_t *, const uint8_t *,
		     uint64_t, uint64_t, u_int,
		     void (*)(const u_char *, size_t, uint64_t, void *), void *,
		     char **);
int		 store_room_authors(const uint8_t *,
		     void (*)(const uint8_t *, uint64_t, uint64_t, int64_t, int,
		     void *), void *, char **);
struct relay_bounds {		/* held relay records, at most */
	u_int		 per_author;	/* brought by one author */
	u_int		 per_addr;	/* from one remote address */
	u_int		 per_net;	/* from one /24 or /48 */
	u_int		 total;
};
int		 store_relay_put(const uint8_t *, const uint8_t *,
		     const uint8_t *, int64_t, const u_char *, size_t,
		     const char *, const char *, const struct relay_bounds *,
		     char **);
int		 store_relay_acked(const uint8_t *, const uint8_t *,
		     const uint8_t *, int64_t, const u_char *, size_t, char **);
int		 store_relay_for(const uint8_t *,
		     void (*)(int, const u_char *, size_t, void *), void *,
		     char **);
int		 store_relay_del(const uint8_t *, const uint8_t *, int, char **);
int		 store_relay_expire(char **);
int		 store_dht_clear(char **);
int		 store_dht_add(const uint8_t *, const uint8_t *, int64_t,
		     char **);
int		 store_dht_load(void (*)(const uint8_t *, const uint8_t *,
		     int64_t, void *), void *, u_int, char **);
int		 store_addr_load(void (*)(const struct addr_row *, void *),
		     void *, char **);

/* wire.c */
/* Decoded records. Text fields of CHAT point into the record. */
#define PEX_MAX		64
struct rec_hello {
	uint8_t		 version;
	char		 nick[NICK_MAX + 1];
	uint16_t	 listen_port;
	uint32_t	 features;
	char		 agent[256];
};
struct rec_chat {
	uint8_t		 id[MSGID_LEN];
	uint64_t	 sent_at;
	const char	*text;
	size_t		 len;
};
struct rec_pex_entry {
	uint8_t		 id[PEER_ID_LEN];
	uint8_t		 family;
	uint8_t		 addr[16];
	uint16_t	 port;
};
struct rec_pex {
	uint8_t		 count;
	struct rec_pex_entry entries[PEX_MAX];
};
struct rec_bye {
	uint8_t		 reason;
	char		 text[256];
};
struct rec_room {
	const uint8_t	*room_id;	/* 32 */
	const uint8_t	*msg_id;	/* 16 */
	const uint8_t	*author;	/* 32 */
	uint64_t	 sent_at;
	uint8_t		 hops;
	const uint8_t	*nonce;		/* 24 */
	const u_char	*ct;
	size_t		 ctlen;
	const uint8_t	*sig;		/* 64 */
};
struct rec_room_sync {
	const uint8_t	*tag;		/* proof of membership, 32 */
	uint64_t	 since;
};
#define ROOM_TAGS_MAX		16	/* tags in one ROOM_MEMBER */
#define ROOM_IDS_MAX		256	/* entries in one IHAVE or IWANT */
#define ROOM_MARKS_MAX		1024	/* entries in one ROOM_MARKS */
#define ROOM_KIND_TEXT		0
#define ROOM_KIND_JOIN		1
#define ROOM_KIND_PART		2
struct rec_room_post {
	const uint8_t	*room_id;	/* 32 */
	const uint8_t	*author;	/* 32 */
	uint64_t	 seq;		/* 1, 2, ... for each author */
	uint64_t	 sent_at;	/* the author's clock, shown only */
	uint8_t		 kind;
	const uint8_t	*nonce;		/* 24 */
	const u_char	*ct;
	size_t		 ctlen;
	const uint8_t	*sig;		/* 64 */
};
struct rec_room_list {			/* MEMBER, IHAVE, IWANT, MARKS, GRAFT */
	const uint8_t	*room_id;	/* 32; NULL for MEMBER */
	u_int		 count;
	const u_char	*v;		/* count entries, as sent */
};
struct rec_relay {
	const uint8_t	*recipient;
	const uint8_t	*author;
	const uint8_t	*msg_id;
	uint64_t	 expires;
	const u_char	*sealed;
	size_t		 sealed_len;
	const uint8_t	*sig;
};
struct rec_sealed {			/* inside a RELAY's seal */
	const uint8_t	*author;
	const uint8_t	*msg_id;
	uint64_t	 sent_at;
	const char	*text;
	size_t		 len;
};
struct rec_relay_ack {
	const uint8_t	*author;
	const uint8_t	*recipient;
	const uint8_t	*msg_id;
	uint64_t	 expires;
	const uint8_t	*sig;
};
struct rec_observed {			/* an address as the peer sees it */
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 addr[16];
	uint16_t	 port;
};
struct rec_dialback {			/* DIALBACK, PROOF (nonce), RESULT */
	const uint8_t	*nonce;		/* DIALBACK_NONCE_LEN */
	uint8_t		 family;	/* 4 or 6 (DIALBACK) */
	uint8_t		 addr[16];
	uint16_t	 port;
	uint8_t		 status;	/* RESULT */
};
struct rec_punch {			/* PUNCH_CONNECT, PUNCH_SYNC */
	uint8_t		 attempt;	/* 1..PUNCH_ATTEMPTS */
	uint8_t		 family;	/* 4 or 6 (CONNECT) */
	uint8_t		 addr[16];
	uint16_t	 port;
};
struct rec_circuit {			/* the CIRCUIT_* records */
	uint32_t	 circuit;
	uint8_t		 code;		/* role, status or reason */
	uint32_t	 seconds;	/* RESERVED */
	const uint8_t	*peer;		/* CONNECT, 32 */
	const u_char	*data;		/* DATA */
	size_t		 len;
	uint8_t		 nvia;		/* VIA */
	const u_char	*via;		/* nvia entries, as sent */
};
struct record {
	uint8_t		 type;
	const u_char	*raw;		/* the whole record */
	size_t		 rawlen;
	union {
		struct rec_hello hello;
		uint64_t	 token;
		struct rec_bye	 bye;
		struct rec_chat	 chat;
		uint8_t		 ack[MSGID_LEN];
		uint8_t		 typing;
		struct rec_pex	 pex;
		struct rec_room	 room;
		struct rec_room_sync sync;
		struct rec_room_post post;
		struct rec_room_list list;
		struct rec_relay relay;
		struct rec_relay_ack relay_ack;
		struct rec_observed observed;
		struct rec_dialback dialback;
		struct rec_circuit circuit;
		struct rec_punch punch;
	} u;
};

/*
 * The record table (wire.c): one row a record type. A record of a type
 * not in it is ignored; one that comes in a session state below the row's
 * (anything but HELLO before HELLO) or whose body does not parse ends the
 * session with BYE reason 1.
 */
struct record_type {
	uint8_t		 type;
	const char	*name;
	int		 state;		/* lowest enum session_state */
	int		(*parse)(struct buf *, struct record *);
	int		(*handle)(struct session *, struct record *);
};
extern const struct record_type record_table[];

/* wire.c */
int		 wire_frame(const u_char *, size_t, const u_char **, size_t *,
		     size_t *);
const struct record_type *wire_record_type(uint8_t);
int		 wire_parse(const u_char *, size_t, struct record *);
int		 wire_parse_sealed(const u_char *, size_t, struct rec_sealed *);
void		 wire_build_room(struct buf *, const struct rec_room *);
void		 wire_list_records(FILE *);
void		 wire_build_hello(struct buf *, const char *, u_short, uint32_t,
		     const char *);
void		 wire_build_chat(struct buf *, const uint8_t *, uint64_t,
		     const char *, size_t);
void		 wire_build_bye(struct buf *, uint8_t, const char *);

/* session.c */
/* One TCP connection to a peer, from dial or accept to close. */
enum session_state {
	SESSION_CONNECTING,
	SESSION_HANDSHAKE,
	SESSION_HELLO,		/* authenticated, waiting for HELLO */
	SESSION_OPEN,
	SESSION_CLOSING,
};
struct session {
	enum session_state	 state;
	int			 initiator;
	struct bufferevent	*bev;		/* for writing */
	struct event		*rd;		/* reading, into in */
	struct event		*more;		/* frames left for a turn */
	struct evbuffer		*in;
	struct event		*timer;
	struct noise_hs		*hs;
	struct noise_cipher	 tx;
	struct noise_cipher	 rx;
	uint8_t			 remote_id[PEER_ID_LEN];
	uint8_t			 hh[NOISE_HASHMAX];	/* handshake hash */
	size_t			 hhlen;
	struct peer		*peer;
	char			*host;		/* remote IP as text */
	u_short			 port;		/* remote TCP port */
	char			*dial;		/* "HOST:PORT" we dialled */
	u_short			 listen_port;	/* from HELLO */
	int64_t			 opened;	/* Unix ms */
	int64_t			 last_rx;	/* Unix ms */
	int64_t			 last_active;	/* Unix ms, not PING or PONG */
	uint64_t		 ping_token;
	int64_t			 outbox_sent;	/* messages.id sent so far */
	int			 outbox_drained; /* all of the outbox sent */
	int			 bye_reason;	/* reason we closed, or -1 */
	int			 bye_received;	/* bye_reason is the peer's */
	u_int			 pex_asked;
	u_int			 dialbacks;	/* DIALBACKs asked (reach.c) */
	int			 aside;		/* a dial-back probe: 1, 2 after
						   HELLO; not the peer's */
	u_int			 bad_sigs;
	u_int			 syncs;		/* ROOM_SYNC answered */
	u_int			 refs;		/* deferred free */
	uint8_t			 src_addr[17];	/* family, address (node.c) */
	uint8_t			 src_net[17];	/* family, /24 or /48 */
	int			 known;		/* one the user wrote to */
	uint32_t		 features;	/* from HELLO */
	TAILQ_ENTRY(session)	 entry;
	RB_ENTRY(session)	 id_entry;
};
TAILQ_HEAD(sessions, session);
extern struct sessions sessions;
extern uint32_t	 session_features;	/* ours, sent in HELLO */
struct session	*session_attach(int, int, const char *);
int		 session_send(struct session *, const u_char *, size_t);
int		 session_send_buf(struct session *, struct buf *);
int		 session_frame_pull(struct evbuffer *, const u_char **, size_t *,
		    size_t *);
void		 session_frame_write(struct bufferevent *, const u_char *, size_t);
int		 session_hello_record(struct session *, struct record *);
int		 session_ping_record(struct session *, struct record *);
int		 session_pong_record(struct session *, struct record *);
int		 session_bye_record(struct session *, struct record *);
void		 session_close(struct session *, int, const char *);
void		 session_free_all(void);
void		 session_accept(evutil_socket_t, struct sockaddr *, int);
struct session	*session_dial(struct sockaddr *, int, const char *, char **);
struct session	*session_dial_fd(int, struct sockaddr *, int, int, char **);
void		 session_counts(u_int *, u_int *);
size_t		 session_queued(struct session *);
int		 session_check_signature(struct session *, struct buf *,
		    const uint8_t *, const uint8_t *, const char *);
void		 session_ref(struct session *);
void		 session_unref(struct session *);

/* sync.c */
int		 sync_start(const char *, int, char **);
void		 sync_stop(void);
int		 sync_durable(void);
int		 sync_fd(void);
int		 sync_busy(void);
void		 sync_request(void);
int		 sync_quiet(void);
int		 sync_inline(char **);
int		 sync_done(char **);
int		 sync_now(char **);
void		 sync_wal_frames(int);

/* txn.c */
#define TXN_BEFORE	0	/* inside the transaction, before its commit */
#define TXN_COMMITTED	1
#define TXN_DURABLE	2
typedef void	 txn_cb(void *, int);
void		 txn_init(void);
void		 txn_shutdown(void);
void		 txn_begun(void);
void		 txn_after(int, txn_cb *, void *);

/* module.c */
#define STATS_MAX	96
struct stats {
	struct fe_kv	 v[STATS_MAX];
	u_int		 n;
};
void		 stats_add(struct stats *, const char *, long long);
struct module {
	const char	*name;
	void		(*init)(void);
	void		(*session_open)(struct session *);
	void		(*session_closed)(struct session *);
	void		(*session_drained)(struct session *);
	void		(*shutdown)(void);
	void		(*stats)(struct stats *);
	int		(*session_aside)(struct session *, int);
	int		(*accept_initiator)(const char *);
	void		(*session_refused)(struct session *);
	void		(*dial_failed)(struct peer *, const char *,
			    const char *);
	void		(*peer_unreachable)(struct peer *);
};
#define MODULE_ASIDE_CLAIM	0	/* authenticated: take it aside? */
#define MODULE_ASIDE_CLOSED	1	/* an aside session is closing */
void		 module_init(void);
void		 module_session_open(struct session *);
void		 module_session_closed(struct session *);
void		 module_session_drained(struct session *);
void		 module_dial_failed(struct peer *, const char *, const char *);
void		 module_shutdown(void);
void		 module_stats(struct stats *);
int		 module_session_aside(struct session *, int);
int		 module_accept_initiator(const char *);
void		 module_session_refused(struct session *);
void		 module_peer_unreachable(struct peer *);

/* index.c */
extern const struct module index_module;
void		 index_later(void);

/* node.c */
extern struct event_base *node_base;
extern void	(*node_winch_hook)(void);
const char	*node_nick(void);
void		 node_set_nick(const char *);
u_short		 node_listen_port(void);
const char	*node_listen_address(void);
void		 node_mirror(const char *, const char *);
int		 node_init(char **);
void		 node_quit(void);
int		 node_is_quitting(void);
void		 node_loop(void);
void		 node_shutdown(void);
int		 node_admit(struct session *, const char **);
int		 node_connect(const char *, int, char **);
void		 node_dial_failed(struct session *, const char *);
void		 node_session_closed(struct session *, int);
void		 node_session_open(struct session *);
void		 node_session_gone(struct session *);
void		 node_start_dialling(void);
void		 node_fill(void);
void		 node_fill_soon(void);
void		 node_redial(struct peer *);
int		 node_dial_candidate(const char *, u_short, int);
int		 node_dial_book(const struct addr_row *);
void		 node_stats(struct stats *);
int		 node_peer_full(const uint8_t *);

/* peer.c */
#define PEER_NICK_CHANGES	4	/* nick changes a peer may make */
#define PEER_NICK_WINDOW_MS	60000	/* in this long */
/* A known peer: pinned key, nick, trust, and its session if online. */
struct peer {
	uint8_t		 id[PEER_ID_LEN];
	char		 hex[PEER_HEX_LEN + 1];
	int64_t		 dbid;
	struct conv	*conv;
	char		*nick;		/* what it calls itself */
	char		*name;		/* the user's name for it, or "" */
	int		 dup;		/* another peer goes by that name */
	int		 trust;
	int		 conflict;	/* another key is pinned where it answered */
	int		 conflict_told;	/* the user was warned, this run */
	int		 contact;
	int64_t		 request;	/* contact request since (Unix ms), or 0 */
	char		*request_addr;	/* where it came from */
	int64_t		 held;		/* messages held for the request */
	int		 held_known;	/* held was counted in the store */
	int		 request_told;	/* a refused message was logged */
	int64_t		 last_seen;
	struct session	*session;	/* established session or NULL */
	char		*addr;		/* remote address of the last session */
	int		 typing;
	int		 mirror_online;	/* an attached screen: the node says so */
	int		 flush_queued;	/* a POST_FLUSH waits in chat.c */
	int64_t		 relayed;	/* messages.id handed to relays */
	int64_t		 sent_after;	/* messages.id (after, upto] sent, */
	int64_t		 sent_upto;	/* not yet marked so in the store */
	struct msg_list	 fresh;		/* stored this turn, to send */
	int64_t		 nick_window;	/* start of the nick window, ms */
	int		 nick_changes;	/* nick changes in it */

	/* Quota of messages received (chat.c), for this hour. */
	int64_t		 quota_start;	/* monotonic ms */
	u_int		 quota_msgs;
	size_t		 quota_bytes;
	int		 quota_told;	/* the user was told it went over */
	struct session	*quota_closing;	/* being closed for it (held) */
	int		 total_known;	/* total_msgs, total_bytes counted */
	int64_t		 total_msgs;	/* received from it, in all */
	int64_t		 total_bytes;

	/* Redialling. */
	char		*dial_host;
	u_short		 dial_port;
	struct event	*redial;
	u_int		 backoff;	/* ms */
	int64_t		 up_since;

	RB_ENTRY(peer)	 entry;
	TAILQ_ENTRY(peer) list;
};
RB_HEAD(peer_tree, peer);
TAILQ_HEAD(peer_list, peer);
extern struct peer_tree peer_tree;
extern struct peer_list peer_list;
struct peer	*peer_find(const uint8_t *);
int		 peer_load(char **);
struct peer	*peer_mirror(const uint8_t *, const char *);
int		 peer_mirror_convs(char **);
int		 peer_contact(struct peer *);
const char	*peer_contact_name(struct peer *);
void		 peer_make_contact(struct peer *);
int		 peer_rename(struct peer *, const char *, char **);
int		 peer_shareable(struct peer *);
int		 peer_set_trust(struct peer *, int, char **);
struct peer	*peer_find_dbid(int64_t);
void		 peer_free_all(void);
struct peer	*peer_authenticated(const uint8_t *, const char *, char **);
const char	*peer_name(struct peer *);
const char	*peer_name_as(struct peer *, const char *);
int		 peer_nick_check(const char *, char **);
int		 peer_nick_plain(struct peer *);
const char	*peer_trust_name(struct peer *);
struct peer	*peer_resolve(const char *, char **);
int		 peer_online(struct peer *);
struct peer	*peer_learn(const uint8_t *, char **);
int		 peer_set_nick(struct peer *, const char *);
u_int		 peer_count_online(void);

/* portmap.c */
extern const struct module portmap_module;
const char	*portmap_external(u_short *);
const char	*portmap_describe(void);

/* contact.c */
extern const struct module contact_module;
int		 contact_holds(struct peer *);
int		 contact_admit(struct peer *, const char *);
int		 contact_held_add(struct peer *);
int		 contact_accept(struct peer *, char **);
int		 contact_decline(struct peer *, char **);
int		 contact_list(char **);

/* conv.c */
/* A conversation: with one peer, or in a room. */
struct conv {
	int64_t		 id;
	struct peer	*peer;		/* direct conversation */
	struct room	*room;		/* room conversation */
	int64_t		 last_read;	/* messages.id */
	u_int		 unread;
	int		 shown;		/* its window is not closed */
	u_int		 unread_stored;	/* the count in the store */
	int		 unread_queued;	/* on the list to store */
	TAILQ_ENTRY(conv) entry;
	TAILQ_ENTRY(conv) unread_entry;
};
TAILQ_HEAD(convs, conv);
extern struct convs convs;
struct conv	*conv_add(int64_t, int64_t, u_int);
struct conv	*conv_find(int64_t);
const char	*conv_name(struct conv *);
void		 conv_mark_read(struct conv *, int64_t);
void		 conv_unread_add(struct conv *);
int		 conv_set_shown(struct conv *, int, char **);
void		 conv_show(struct conv *);
int		 conv_visible(struct conv *);
void		 conv_free_all(void);

/* chat.c */
extern const struct module chat_module;
int		 chat_admit(struct peer *, const char *, size_t, const char *);
void		 chat_stored(struct peer *, struct conv *, struct msg *);
int		 chat_chat_record(struct session *, struct record *);
int		 chat_ack_record(struct session *, struct record *);
int		 chat_typing_record(struct session *, struct record *);
int		 chat_check_text(const char *, size_t, char **);
int		 chat_quota_check(struct peer *, size_t, const char *);
void		 chat_quota_add(struct peer *, size_t);
int		 chat_send(struct peer *, const char *, size_t, char **);
int		 chat_typing(struct peer *, int, char **);
void		 chat_post_message(struct conv *, const struct msg *);
void		 chat_delivered(struct peer *, const uint8_t *);
void		 chat_msg_arrived(struct msg *, int64_t, const uint8_t *,
		    const uint8_t *, const char *, uint64_t, const char *,
		    size_t);
void		 chat_post_relay_ack(struct session *, const uint8_t *,
		     const uint8_t *);

/* room.c */
#define ROOM_HOPS	8
#define ROOM_NAME_MAX	64
struct room {
	char		*name;
	char		*secret;
	uint8_t		 id[32];
	uint8_t		 key[32];
	int		 joined;
	struct conv	*conv;
	struct room_state *st;		/* authors, seen set (room.c) */
	int		 mirrored;	/* an attached screen: counts below */
	u_int		 mirror_members;	/* as the node last said */
	u_int		 mirror_online;
};
struct mesh_stats {
	u_long		 room_received;
	u_long		 room_duplicates;
	u_long		 room_forwarded;
	u_long		 room_bad;
	u_long		 relay_held;
	u_long		 relay_delivered;
};
extern struct mesh_stats mesh_stats;
void		 room_keys(const char *, const char *, uint8_t *, uint8_t *);
void		 room_member_tag(const uint8_t *, const uint8_t *, size_t,
		     const uint8_t *, uint8_t *);
void		 room_loaded(struct conv *, const char *, const char *, int);
const char	*room_name(struct room *);
struct conv	*room_conv(const char *, char **);
int		 room_send(struct room *, const char *, size_t, char **);
extern const struct module room_module;
int		 room_msg_record(struct session *, struct record *);
int		 room_sync_record(struct session *, struct record *);
int		 room_member_record(struct session *, struct record *);
int		 room_post_record(struct session *, struct record *);
int		 room_ihave_record(struct session *, struct record *);
int		 room_iwant_record(struct session *, struct record *);
int		 room_marks_record(struct session *, struct record *);
int		 room_graft_record(struct session *, struct record *);
int		 room_member_sessions(struct room *);
void		 room_msgid(const uint8_t *, const uint8_t *, uint64_t,
		     uint8_t *);
void		 room_post_build(struct buf *, const uint8_t *,
		     const uint8_t *, const uint8_t *, const uint8_t *,
		     uint64_t, uint64_t, uint8_t, const char *, size_t);
u_int		 room_missing(struct room *);
void		 room_counts(struct room *, u_int *, u_int *);
int		 room_names(struct room *, char **);
struct room	*room_find(const char *);
struct room	*room_join(const char *, const char *, char **);
int		 room_part(struct room *, char **);

/* relay.c */
#define RELAY_SEALED_MIN	(PEER_ID_LEN + MSGID_LEN + 8 + 1)
extern const struct module relay_module;
int		 relay_msg_record(struct session *, struct record *);
int		 relay_ack_record(struct session *, struct record *);
void		 relay_offline_send(struct peer *);
void		 relay_ack_after_commit(struct session *, const uint8_t *,
		     const uint8_t *);

/* reach.c */
extern const struct module reach_module;
int		 reach_observed_record(struct session *, struct record *);
int		 reach_dialback_record(struct session *, struct record *);
int		 reach_proof_record(struct session *, struct record *);
int		 reach_result_record(struct session *, struct record *);
int		 reach_reached(struct session *);
const char	*reach_word(void);
int		 reach_observed(uint8_t *, uint8_t *);
void		 reach_update(void);
const char	*reach_dial_word(const char *);
void		 reach_unreachable(struct peer *, const char *, const char *,
		     const char *);

/* circuit.c */
#define CIRCUIT_HOST		"relay"	/* the host of a relayed session */
extern const struct module circuit_module;
int		 circuit_reserve_record(struct session *, struct record *);
int		 circuit_reserved_record(struct session *, struct record *);
int		 circuit_connect_record(struct session *, struct record *);
int		 circuit_opened_record(struct session *, struct record *);
int		 circuit_data_record(struct session *, struct record *);
int		 circuit_close_record(struct session *, struct record *);
int		 circuit_via_record(struct session *, struct record *);
int		 circuit_open(struct peer *, const uint8_t *, char **);
const char	*circuit_via(struct peer *);
const char	*circuit_relay_name(void);
int		 cmd_connect_via(struct cmd_ctx *, int, char **, char **);

/* punch.c */
extern const struct module punch_module;
int		 punch_connect_record(struct session *, struct record *);
int		 punch_sync_record(struct session *, struct record *);

/* lan.c */
int		 lan_parse(const u_char *, size_t, uint8_t *, u_short *);
extern const struct module lan_module;

/* bencode.c */
#define BENC_NODES	512	/* values in one message, at most */
#define BENC_DEPTH	16	/* nesting, at most */
#define BENC_INT	1
#define BENC_STR	2
#define BENC_LIST	3
#define BENC_DICT	4
/* A parsed value; strings and raw spans point into the input. */
struct benc {
	int		 type;
	int64_t		 i;
	const u_char	*s;
	size_t		 len;
	struct benc	*child;		/* list items; dict key, value, ... */
	struct benc	*next;
	u_int		 count;
	const u_char	*raw;		/* the value's own bytes */
	size_t		 rawlen;
};
struct benc_doc {
	struct benc	 n[BENC_NODES];
	u_int		 used;
};
struct benc	*bencode_parse(struct benc_doc *, const u_char *, size_t);
const struct benc *bencode_get(const struct benc *, const char *);
int		 bencode_get_str(const struct benc *, const char *, size_t,
		     size_t, const u_char **, size_t *);
int		 bencode_get_int(const struct benc *, const char *, int64_t *);
void		 bencode_put_str(struct buf *, const void *, size_t);
void		 bencode_put_cstr(struct buf *, const char *);
void		 bencode_put_int(struct buf *, int64_t);

/* dht.c */
#define DHT_RECORD_SALT		"p2pchat/1"
#define DHT_RECORD_ADDRS	8	/* addresses in a peer record */
#define DHT_VALUE_MAX		1000	/* BEP 44 */
extern const struct module dht_module;

/* rendezvous.c */
extern const struct module rendezvous_module;
void		 rendezvous_hash(const uint8_t *, uint32_t, uint8_t *);
void		 rendezvous_want(struct room *);

struct dht_found {
	int		 found;		/* a record with a good signature */
	int64_t		 seq;
	u_int		 naddrs;
	struct sockaddr_storage addrs[DHT_RECORD_ADDRS];
	u_int		 hops;
	u_int		 asked;		/* nodes queried */
	int64_t		 ms;		/* how long it took */
};
int		 dht_enabled(void);
void		 dht_set_addresses(const struct sockaddr_storage *, u_int);
int		 dht_lookup_peer(const uint8_t *,
		     void (*)(const uint8_t *, const struct dht_found *, void *),
		     void *, char **);
int		 dht_record_parse(const u_char *, size_t, struct dht_found *);
int		 dht_reach(struct peer *, void (*)(struct peer *));
int		 dht_get_peers(const uint8_t *, u_short,
		     void (*)(const uint8_t *, const struct sockaddr_in *, u_int,
		     void *), void *, char **);
int		 dht_parse(const u_char *, size_t);
void		 dht_input(const struct sockaddr_in *, const u_char *, size_t);
void		 dht_bep42_id(const uint8_t *, uint8_t, uint8_t *);
int		 dht_bep42_ok(const uint8_t *, const uint8_t *);

/* pex.c */
#define ADDR_SOURCE_USER	0
#define ADDR_SOURCE_PEX		1
#define ADDR_SOURCE_LAN		2
extern const struct module pex_module;
int		 pex_request_record(struct session *, struct record *);
int		 pex_pex_record(struct session *, struct record *);

/* cmd.c */
struct cmd_ctx {
	struct conv	*conv;		/* the open conversation (screen) */
};
struct cmd_entry {
	const char	*name;
	const char	*alias;
	const char	*usage;
	int		 min;
	int		 max;
	int		 rest;
	int		(*exec)(struct cmd_ctx *, int, char **, char **);
	const char	*help;
};
extern const struct cmd_entry cmd_table[];
const struct cmd_entry *cmd_find(const char *, char **);
int		 cmd_run(struct cmd_ctx *, const char *);
void		 cmd_table_print(FILE *);

/* cmd-peer.c */
int		 cmd_connect(struct cmd_ctx *, int, char **, char **);
int		 cmd_peers(struct cmd_ctx *, int, char **, char **);
int		 cmd_addresses(struct cmd_ctx *, int, char **, char **);
int		 cmd_id(struct cmd_ctx *, int, char **, char **);
int		 cmd_nick(struct cmd_ctx *, int, char **, char **);
int		 cmd_verify(struct cmd_ctx *, int, char **, char **);
int		 cmd_trust(struct cmd_ctx *, int, char **, char **);
int		 cmd_block(struct cmd_ctx *, int, char **, char **);
int		 cmd_accept(struct cmd_ctx *, int, char **, char **);
int		 cmd_decline(struct cmd_ctx *, int, char **, char **);
int		 cmd_requests(struct cmd_ctx *, int, char **, char **);
int		 cmd_blocked(struct cmd_ctx *, int, char **, char **);
int		 cmd_rename(struct cmd_ctx *, int, char **, char **);
int		 cmd_typing(struct cmd_ctx *, int, char **, char **);
int		 cmd_stats(struct cmd_ctx *, int, char **, char **);
int		 cmd_lookup(struct cmd_ctx *, int, char **, char **);

/* cmd-chat.c */
struct conv	*cmd_conv(const char *, char **);
int		 cmd_send(struct conv *, const char *, char **);
int		 cmd_msg(struct cmd_ctx *, int, char **, char **);
int		 cmd_history(struct cmd_ctx *, int, char **, char **);
int		 cmd_search(struct cmd_ctx *, int, char **, char **);
void		 cmd_search_page(u_int *, u_int *, u_int *);
int		 cmd_query(struct cmd_ctx *, int, char **, char **);
int		 cmd_close(struct cmd_ctx *, int, char **, char **);

/* cmd-room.c */
int		 cmd_join(struct cmd_ctx *, int, char **, char **);
int		 cmd_part(struct cmd_ctx *, int, char **, char **);
int		 cmd_rooms(struct cmd_ctx *, int, char **, char **);
int		 cmd_names(struct cmd_ctx *, int, char **, char **);

/* headless.c */
#define HEADLESS_STDIO		0	/* commands on stdin, events on stdout */
#define HEADLESS_NO_STDIO	1	/* the daemon: attached clients only */
extern const struct frontend headless_frontend;
extern int	(*headless_tap)(const char *, size_t, int);
const char	*headless_state_name(int);
void		 headless_start(int);
void		 headless_attached(void);
void		 headless_unread(struct conv *);
void		 headless_stop(void);

/* server.c */
#define SERVER_VERSION		1	/* of the attach protocol */
#define SERVER_SOCKET		"p2pchat.sock"
int		 server_start(const char *, char **);
void		 server_stop(void);
u_int		 server_clients(void);
int		 server_line(const char *, size_t, struct json_field *, int *,
		     char **);

/* client.c */
int		 client_connect(const char *, int *, char **);
int		 client_stdio(int);
int		 client_kill(const char *, char **);
int		 client_wait_stopped(const char *, char **);

/* ui.c (the screen; in the program, not the core library) */
extern const struct frontend ui_frontend;
int		 ui_start(char **);
void		 ui_stop(void);
int		 ui_attach_run(const char *, int);

/* ui-keys.c */
void		 ui_list_keys(FILE *);
int		 ui_keys_configure(char **);

#endif /* P2PCHAT_H */
