/*
 * config.c: the configuration table and the INI file reader.
 *
 * One table names every key with its section, type, default, range and
 * help text. The same table validates p2pchat.ini, gives the defaults and is
 * what p2pchat.ini(5) and p2pchat.ini.example document (a test checks that
 * they agree).
 */

#include "p2pchat.h"

#include <ini.h>

/* The largest configuration file read; more is refused, not truncated. */
#define CFG_FILE_MAX	(1024 * 1024)

const struct cfg_entry cfg_table[] = {
	{ .key = CFG_NICK,
	  .section = "node",
	  .name = "nick",
	  .type = CFG_STRING,
	  .dflt = "",
	  .min = 0,
	  .max = NICK_MAX,
	  .help = "Nick shown to peers; empty means the login name."
	},
	{ .key = CFG_LISTEN,
	  .section = "node",
	  .name = "listen",
	  .type = CFG_ADDR,
	  .dflt = "*:7300",
	  .help = "Address and port to listen on; * means every IPv4 and IPv6 "
		  "address, port 0 any free port."
	},
	{ .key = CFG_BOOTSTRAP,
	  .section = "node",
	  .name = "bootstrap",
	  .type = CFG_LIST,
	  .dflt = "",
	  .max = 256,
	  .help = "Peer address (HOST:PORT) to dial at start; repeat the key "
		  "for more (at most 256)."
	},
	{ .key = CFG_MAX_PEERS,
	  .section = "node",
	  .name = "max_peers",
	  .type = CFG_NUMBER,
	  .dflt = "64",
	  .min = 1,
	  .max = 20000,
	  .help = "Most authenticated sessions at once."
	},
	{ .key = CFG_MAX_HANDSHAKES,
	  .section = "node",
	  .name = "max_handshakes",
	  .type = CFG_NUMBER,
	  .dflt = "64",
	  .min = 1,
	  .max = 10000,
	  .help = "Most connections still in the handshake at once."
	},
	{ .key = CFG_MAX_PER_ADDRESS,
	  .section = "node",
	  .name = "max_per_address",
	  .type = CFG_NUMBER,
	  .dflt = "8",
	  .min = 1,
	  .max = 10000,
	  .help = "Most unauthenticated connections from one address."
	},
	{ .key = CFG_MAX_PEERS_PER_ADDRESS,
	  .section = "node",
	  .name = "max_peers_per_address",
	  .type = CFG_NUMBER,
	  .dflt = "32",
	  .min = 1,
	  .max = 20000,
	  .help = "Most authenticated sessions from one address."
	},
	{ .key = CFG_MAX_PEERS_PER_NETWORK,
	  .section = "node",
	  .name = "max_peers_per_network",
	  .type = CFG_NUMBER,
	  .dflt = "32",
	  .min = 1,
	  .max = 20000,
	  .help = "Most authenticated sessions from one network: an IPv4 /24 "
		  "or an IPv6 /48."
	},
	{ .key = CFG_PEERS_TARGET,
	  .section = "node",
	  .name = "peers_target",
	  .type = CFG_NUMBER,
	  .dflt = "8",
	  .min = 0,
	  .max = 20000,
	  .help = "Sessions the node dials known addresses to reach."
	},
	{ .key = CFG_PEERS_FULL,
	  .section = "node",
	  .name = "peers_full",
	  .type = CFG_NUMBER,
	  .dflt = "0",
	  .min = 0,
	  .max = 20000,
	  .help = "Sessions at which the node is full for strangers that dial "
		  "it: they get a PEX record and BYE 3 (0: twice peers_target, "
		  "or max_peers when peers_target is 0)."
	},
	{ .key = CFG_LAN_DISCOVERY,
	  .section = "node",
	  .name = "lan_discovery",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Announce and find peers on the local network by UDP "
		  "multicast."
	},
	{ .key = CFG_LAN_PORT,
	  .section = "node",
	  .name = "lan_port",
	  .type = CFG_NUMBER,
	  .dflt = "7301",
	  .min = 1,
	  .max = 65535,
	  .help = "UDP port of LAN discovery."
	},
	{ .key = CFG_LAN_INTERVAL,
	  .section = "node",
	  .name = "lan_interval",
	  .type = CFG_NUMBER,
	  .dflt = "5",
	  .min = 1,
	  .max = 3600,
	  .help = "Seconds between LAN announcements."
	},
	{ .key = CFG_PEX_INTERVAL,
	  .section = "node",
	  .name = "pex_interval",
	  .type = CFG_NUMBER,
	  .dflt = "300",
	  .min = 1,
	  .max = 86400,
	  .help = "Seconds between peer exchange requests to a connected peer."
	},
	{ .key = CFG_PEX_ANSWER,
	  .section = "node",
	  .name = "pex_answer",
	  .type = CFG_NUMBER,
	  .dflt = "16",
	  .min = 1,
	  .max = 64,
	  .help = "Most addresses in a peer exchange answer: a random sample "
		  "of peers reached recently."
	},
	{ .key = CFG_PEX_REFUSALS,
	  .section = "node",
	  .name = "pex_refusals",
	  .type = CFG_NUMBER,
	  .dflt = "16",
	  .min = 0,
	  .max = 100000,
	  .help = "Most PEX records a full node sends before BYE 3 to one "
		  "address a minute; past that, BYE 3 alone."
	},
	{ .key = CFG_ROOM_DIAL,
	  .section = "node",
	  .name = "room_dial",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Dial the members a room knows while it has fewer than 6 "
		  "sessions to members."
	},
	{ .key = CFG_MESSAGES_PER_HOUR,
	  .section = "limits",
	  .name = "messages_per_hour",
	  .type = CFG_NUMBER,
	  .dflt = "200000",
	  .min = 1,
	  .max = 10000000,
	  .help = "Most messages stored from one contact in an hour; the "
		  "session of a contact that sends more is closed."
	},
	{ .key = CFG_BYTES_PER_HOUR,
	  .section = "limits",
	  .name = "bytes_per_hour",
	  .type = CFG_NUMBER,
	  .dflt = "268435456",
	  .min = TEXT_MAX,
	  .max = 1073741824,
	  .help = "Most bytes of message text stored from one contact in an "
		  "hour."
	},
	{ .key = CFG_STRANGER_MESSAGES_PER_HOUR,
	  .section = "limits",
	  .name = "stranger_messages_per_hour",
	  .type = CFG_NUMBER,
	  .dflt = "100000",
	  .min = 1,
	  .max = 10000000,
	  .help = "Most messages stored in an hour from a peer that is not a "
		  "contact (never dialled, accepted, written to or verified)."
	},
	{ .key = CFG_STRANGER_BYTES_PER_HOUR,
	  .section = "limits",
	  .name = "stranger_bytes_per_hour",
	  .type = CFG_NUMBER,
	  .dflt = "33554432",
	  .min = TEXT_MAX,
	  .max = 1073741824,
	  .help = "Most bytes of message text stored in an hour from a peer "
		  "that is not a contact."
	},
	{ .key = CFG_STRANGER_MESSAGES_TOTAL,
	  .section = "limits",
	  .name = "stranger_messages_total",
	  .type = CFG_NUMBER,
	  .dflt = "1000000",
	  .min = 1,
	  .max = 1000000000,
	  .help = "Most messages stored in all from a peer that is not a "
		  "contact."
	},
	{ .key = CFG_STRANGER_BYTES_TOTAL,
	  .section = "limits",
	  .name = "stranger_bytes_total",
	  .type = CFG_NUMBER,
	  .dflt = "268435456",
	  .min = TEXT_MAX,
	  .max = 1099511627776,
	  .help = "Most bytes of message text stored in all from a peer that "
		  "is not a contact."
	},
	{ .key = CFG_ACCEPT,
	  .section = "node",
	  .name = "accept",
	  .type = CFG_CHOICE,
	  .dflt = "contacts",
	  .choices = "contacts|anyone",
	  .help = "contacts: a message from a peer that is not a contact is "
		  "held as a contact request until /accept; anyone: every "
		  "peer may write (a public node or a bot)."
	},
	{ .key = CFG_PORT_MAPPING,
	  .section = "node",
	  .name = "port_mapping",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Ask the router for a port mapping (NAT-PMP, then UPnP-IGD), "
		  "only when the default gateway is on a private network."
	},
	{ .key = CFG_HOLE_PUNCHING,
	  .section = "node",
	  .name = "hole_punching",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Over a relayed session, open a direct connection to the "
		  "peer through both NATs (TCP simultaneous open); on success "
		  "it takes over from the relay."
	},
	{ .key = CFG_REQUESTS,
	  .section = "limits",
	  .name = "requests",
	  .type = CFG_NUMBER,
	  .dflt = "32",
	  .min = 1,
	  .max = 1024,
	  .help = "Most contact requests waiting at once; a new one beyond "
		  "drops the oldest and its held messages."
	},
	{ .key = CFG_REQUESTS_PER_ADDRESS,
	  .section = "limits",
	  .name = "requests_per_address",
	  .type = CFG_NUMBER,
	  .dflt = "4",
	  .min = 1,
	  .max = 1024,
	  .help = "Most contact requests waiting at once that came from one "
		  "IP address."
	},
	{ .key = CFG_REQUESTS_PER_HOUR,
	  .section = "limits",
	  .name = "requests_per_hour",
	  .type = CFG_NUMBER,
	  .dflt = "16",
	  .min = 1,
	  .max = 100000,
	  .help = "Most new contact requests taken in an hour, from all "
		  "addresses."
	},
	{ .key = CFG_REQUEST_MESSAGES,
	  .section = "limits",
	  .name = "request_messages",
	  .type = CFG_NUMBER,
	  .dflt = "16",
	  .min = 1,
	  .max = 10000,
	  .help = "Most messages held for one contact request; more are not "
		  "taken (the sender keeps them) until the request is "
		  "accepted."
	},
	{ .key = CFG_RELAY,
	  .section = "node",
	  .name = "relay",
	  .type = CFG_FLAG,
	  .dflt = "no",
	  .min = 0,
	  .max = 1,
	  .help = "Relay circuits between peers that cannot dial each other "
		  "(for a publicly reachable node; it costs bandwidth)."
	},
	{ .key = CFG_RELAYS,
	  .section = "node",
	  .name = "relays",
	  .type = CFG_LIST,
	  .dflt = "",
	  .max = 2,
	  .help = "Relay (HOST:PORT, dialled like bootstrap) to keep a "
		  "reservation on; repeat for a second. Empty: any peer that "
		  "says it relays."
	},
	{ .key = CFG_RELAY_RESERVATIONS,
	  .section = "node",
	  .name = "relay_reservations",
	  .type = CFG_NUMBER,
	  .dflt = "128",
	  .min = 0,
	  .max = 100000,
	  .help = "Reservations a relay holds at once."
	},
	{ .key = CFG_RELAY_RESERVATIONS_PER_PEER,
	  .section = "node",
	  .name = "relay_reservations_per_peer",
	  .type = CFG_NUMBER,
	  .dflt = "4",
	  .min = 1,
	  .max = 1000,
	  .help = "Reservations (and renewals) one peer may make in a "
		  "reservation lifetime."
	},
	{ .key = CFG_RELAY_RESERVATIONS_PER_ADDRESS,
	  .section = "node",
	  .name = "relay_reservations_per_address",
	  .type = CFG_NUMBER,
	  .dflt = "8",
	  .min = 1,
	  .max = 100000,
	  .help = "Reservations held at once for peers at one address."
	},
	{ .key = CFG_RELAY_RESERVATION_LIFETIME,
	  .section = "node",
	  .name = "relay_reservation_lifetime",
	  .type = CFG_NUMBER,
	  .dflt = "3600",
	  .min = 60,
	  .max = 86400,
	  .help = "Seconds a reservation lasts unless renewed."
	},
	{ .key = CFG_RELAY_CIRCUITS,
	  .section = "node",
	  .name = "relay_circuits",
	  .type = CFG_NUMBER,
	  .dflt = "16",
	  .min = 0,
	  .max = 10000,
	  .help = "Circuits a relay splices at once."
	},
	{ .key = CFG_RELAY_CIRCUITS_PER_PEER,
	  .section = "node",
	  .name = "relay_circuits_per_peer",
	  .type = CFG_NUMBER,
	  .dflt = "4",
	  .min = 1,
	  .max = 10000,
	  .help = "Circuits at once that one peer is an end of."
	},
	{ .key = CFG_RELAY_CIRCUIT_SECONDS,
	  .section = "node",
	  .name = "relay_circuit_seconds",
	  .type = CFG_NUMBER,
	  .dflt = "120",
	  .min = 1,
	  .max = 86400,
	  .help = "Seconds a circuit lasts before the relay closes it."
	},
	{ .key = CFG_RELAY_CIRCUIT_BYTES,
	  .section = "node",
	  .name = "relay_circuit_bytes",
	  .type = CFG_NUMBER,
	  .dflt = "131072",
	  .min = 1024,
	  .max = 1099511627776,
	  .help = "Bytes (both ways) a circuit carries before the relay "
		  "closes it."
	},
	{ .key = CFG_RELAY_CONTACT_SECONDS,
	  .section = "node",
	  .name = "relay_contact_seconds",
	  .type = CFG_NUMBER,
	  .dflt = "3600",
	  .min = 1,
	  .max = 604800,
	  .help = "relay_circuit_seconds for a circuit one of whose ends is "
		  "one of the relay's contacts."
	},
	{ .key = CFG_RELAY_CONTACT_BYTES,
	  .section = "node",
	  .name = "relay_contact_bytes",
	  .type = CFG_NUMBER,
	  .dflt = "67108864",
	  .min = 1024,
	  .max = 1099511627776,
	  .help = "relay_circuit_bytes for a circuit one of whose ends is "
		  "one of the relay's contacts."
	},
	{ .key = CFG_SYNC,
	  .section = "store",
	  .name = "sync",
	  .type = CFG_CHOICE,
	  .dflt = "full",
	  .choices = "full|normal",
	  .help = "full: every commit is flushed to disk before messages are "
		  "acknowledged, and survives a power failure; normal: a "
		  "commit survives the process being killed, but the last ones "
		  "may be lost if the machine loses power (much faster on slow "
		  "disks)."
	},
	{ .key = CFG_LOG_LEVEL,
	  .section = "log",
	  .name = "level",
	  .type = CFG_CHOICE,
	  .dflt = "info",
	  .choices = "warn|info|debug",
	  .help = "How much goes into the log file."
	},
	{ .key = CFG_LOG_MAX_SIZE,
	  .section = "log",
	  .name = "max_size",
	  .type = CFG_NUMBER,
	  .dflt = "1048576",
	  .min = 0,
	  .max = 1073741824,
	  .help = "Bytes the log file may reach before it is renamed to "
		  "p2pchat.log.1 and a new one begun; 0 never."
	},
	{ .key = CFG_TIME_FORMAT,
	  .section = "ui",
	  .name = "time_format",
	  .type = CFG_STRING,
	  .dflt = "%H:%M",
	  .min = 0,
	  .max = 64,
	  .help = "strftime(3) format of message timestamps."
	},
	{ .key = CFG_DATE_FORMAT,
	  .section = "ui",
	  .name = "date_format",
	  .type = CFG_STRING,
	  .dflt = "%A %d %B %Y",
	  .min = 0,
	  .max = 64,
	  .help = "strftime(3) format of day-change lines."
	},
	{ .key = CFG_COLOURS,
	  .section = "ui",
	  .name = "colours",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Use colours when the terminal has them and NO_COLOR is "
		  "unset."
	},
	{ .key = CFG_BELL,
	  .section = "ui",
	  .name = "bell",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Ring the bell for a message outside the open conversation."
	},
	{ .key = CFG_TITLE,
	  .section = "ui",
	  .name = "title",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Show the unread count in the terminal title."
	},
	{ .key = CFG_NOTIFY,
	  .section = "ui",
	  .name = "notify",
	  .type = CFG_CHOICE,
	  .dflt = "none",
	  .choices = "none|osc9|osc777",
	  .help = "Desktop notification escape sequence for a message outside "
		  "the open conversation."
	},
	{ .key = CFG_PASTE_LINES,
	  .section = "ui",
	  .name = "paste_lines",
	  .type = CFG_NUMBER,
	  .dflt = "3",
	  .min = 0,
	  .max = 1000,
	  .help = "Ask before sending a paste of more than this many lines (0 "
		  "never asks)."
	},
	{ .key = CFG_ESCAPE_DELAY,
	  .section = "ui",
	  .name = "escape_delay",
	  .type = CFG_NUMBER,
	  .dflt = "25",
	  .min = 0,
	  .max = 1000,
	  .help = "Milliseconds to wait after Esc for the key it is the Meta "
		  "prefix of; an Esc alone for longer is Esc."
	},
	{ .key = CFG_UI_DAEMON,
	  .section = "ui",
	  .name = "daemon",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Run the node in the background and attach the screen to "
		  "it (no: the screen runs the node itself, as --no-daemon)."
	},
	{ .key = CFG_UI_QUIT,
	  .section = "ui",
	  .name = "quit",
	  .type = CFG_CHOICE,
	  .dflt = "ask",
	  .choices = "ask|detach|stop",
	  .help = "What /quit in an attached screen does: ask, detach (the "
		  "node runs on) or stop the node."
	},
	{ .key = CFG_DHT_ENABLE,
	  .section = "dht",
	  .name = "enable",
	  .type = CFG_FLAG,
	  .dflt = "yes",
	  .min = 0,
	  .max = 1,
	  .help = "Take part in the BitTorrent Mainline DHT: publish this "
		  "node's peer record and find peers by id."
	},
	{ .key = CFG_DHT_PORT,
	  .section = "dht",
	  .name = "port",
	  .type = CFG_NUMBER,
	  .dflt = "0",
	  .min = 0,
	  .max = 65535,
	  .help = "UDP port of the DHT; 0 means the listen port."
	},
	{ .key = CFG_DHT_BOOTSTRAP,
	  .section = "dht",
	  .name = "bootstrap",
	  .type = CFG_LIST,
	  .dflt = "",
	  .max = 64,
	  .help = "DHT node (HOST:PORT) to join through; repeat the key for "
		  "more. None: the public routers, by name, only when this "
		  "machine has a global unicast address."
	},
	{ .key = CFG_DHT_READ_ONLY,
	  .section = "dht",
	  .name = "read_only",
	  .type = CFG_CHOICE,
	  .dflt = "auto",
	  .choices = "auto|yes|no",
	  .help = "BEP 43 read-only mode: ask, never answer; auto: read-only "
		  "while the node has no address to publish."
	},
	{ .key = CFG__COUNT }
};

struct cfg_value {
	char		*str;
	long long	 num;
	char		**list;
	u_int		 nlist;
	int		 set;		/* set from the file or a flag */
};
static struct cfg_value	 cfg_values[CFG__COUNT];

/* The section the screen's key table reads; config.c only keeps it. */
#define CFG_KEYS_SECTION	"keys"
static struct cfg_binding	*cfg_binds;
static u_int			 cfg_nbinds;

struct cfg_parse {
	const char	*path;
	FILE		*f;
	int		 line;		/* lines read so far */
	off_t		 bytes;		/* bytes read so far */
	int		 too_big;
	int		 midline;	/* the last read ended inside a line */
	char		 prev[64];	/* key of the last KEY = VALUE line */
	int		 prev_line;
	int		 error_line;
	char		*error;
};

/* Find a table entry by section and name. */
static const struct cfg_entry *
cfg_find(const char *section, const char *name)
{
	const struct cfg_entry	*ce;

	for (ce = cfg_table; ce->name != NULL; ce++) {
		if (strcmp(ce->section, section) == 0 &&
		    strcmp(ce->name, name) == 0)
			return (ce);
	}
	return (NULL);
}

/* Parse a decimal number in [min, max]; errstr says why it is not. */
static long long
cfg_parse_number(const char *v, long long min, long long max,
    const char **errstr)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno == EINVAL)
		*errstr = "not a number";
	else if ((n == LLONG_MIN && errno == ERANGE) || n < min)
		*errstr = "too small";
	else if ((n == LLONG_MAX && errno == ERANGE) || n > max)
		*errstr = "too large";
	else {
		*errstr = NULL;
		return (n);
	}
	return (0);
}

/* Parse a yes/no value. */
static int
cfg_parse_flag(const char *v)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0 ||
	    strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
		return (1);
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0 ||
	    strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return (0);
	return (-1);
}

/* Check that v is one of the choices "a|b|c". */
static int
cfg_parse_choice(const char *choices, const char *v)
{
	size_t		 len = strlen(v);
	const char	*p = choices, *bar;

	while (*p != '\0') {
		bar = strchr(p, '|');
		if (bar == NULL)
			bar = p + strlen(p);
		if ((size_t)(bar - p) == len && strncmp(p, v, len) == 0)
			return (0);
		p = *bar == '|' ? bar + 1 : bar;
	}
	return (-1);
}

/* Validate and store one value for an entry. */
static int
cfg_apply(const struct cfg_entry *ce, const char *v, char **cause)
{
	struct cfg_value	*cv = &cfg_values[ce->key];
	const char		*errstr;
	char			*host;
	u_short			 port;
	long long		 n;
	int			 flag;

	switch (ce->type) {
	case CFG_STRING:
		if (ce->max != 0 && strlen(v) > (size_t)ce->max) {
			xasprintf(cause, "longer than %lld bytes", ce->max);
			return (-1);
		}
		if (!utf8_valid(v, strlen(v), 1)) {
			xasprintf(cause, "not printable UTF-8");
			return (-1);
		}
		free(cv->str);
		cv->str = xstrdup(v);
		break;
	case CFG_NUMBER:
		n = cfg_parse_number(v, ce->min, ce->max, &errstr);
		if (errstr != NULL) {
			xasprintf(cause, "\"%s\" is %s (%lld to %lld)", v,
			    errstr, ce->min, ce->max);
			return (-1);
		}
		cv->num = n;
		break;
	case CFG_FLAG:
		if ((flag = cfg_parse_flag(v)) == -1) {
			xasprintf(cause, "\"%s\" is not yes or no", v);
			return (-1);
		}
		cv->num = flag;
		break;
	case CFG_CHOICE:
		if (cfg_parse_choice(ce->choices, v) != 0) {
			xasprintf(cause, "\"%s\" is not one of %s", v,
			    ce->choices);
			return (-1);
		}
		free(cv->str);
		cv->str = xstrdup(v);
		break;
	case CFG_ADDR:
	case CFG_LIST:
		if (addr_parse(v, &host, &port, cause) != 0)
			return (-1);
		free(host);
		if (ce->type == CFG_LIST) {
			if (port == 0) {
				xasprintf(cause, "port 0 in \"%s\"", v);
				return (-1);
			}
			if (cv->nlist >= ce->max) {
				xasprintf(cause, "more than %lld values",
				    ce->max);
				return (-1);
			}
			cfg_list_add(ce->key, v);
			break;
		}
		free(cv->str);
		cv->str = xstrdup(v);
		break;
	}
	cv->set = 1;
	return (0);
}

/* Reset every key to its default. */
void
cfg_reset(void)
{
	const struct cfg_entry	*ce;
	struct cfg_value	*cv;
	char			*cause;
	u_int			 i;

	for (ce = cfg_table; ce->name != NULL; ce++) {
		cv = &cfg_values[ce->key];
		free(cv->str);
		for (i = 0; i < cv->nlist; i++)
			free(cv->list[i]);
		free(cv->list);
		memset(cv, 0, sizeof *cv);
		if (ce->type != CFG_LIST &&
		    cfg_apply(ce, ce->dflt, &cause) != 0)
			fatalx("bad default for %s: %s", ce->name, cause);
		cv->set = 0;
	}
	for (i = 0; i < cfg_nbinds; i++) {
		free(cfg_binds[i].action);
		free(cfg_binds[i].keys);
		free(cfg_binds[i].file);
	}
	free(cfg_binds);
	cfg_binds = NULL;
	cfg_nbinds = 0;
}

/* Keep a [keys] line for the screen, which knows the key table. */
static void
cfg_bind_add(struct cfg_parse *cp, const char *action, const char *keys)
{
	struct cfg_binding	*cb;

	cfg_binds = xreallocarray(cfg_binds, cfg_nbinds + 1,
	    sizeof *cfg_binds);
	cb = &cfg_binds[cfg_nbinds++];
	cb->action = xstrdup(action);
	cb->keys = xstrdup(keys);
	cb->file = xstrdup(cp->path);
	cb->line = cp->line;
}

/* The [keys] lines read, in the order of the file. */
const struct cfg_binding *
cfg_bindings(u_int *n)
{
	*n = cfg_nbinds;
	return (cfg_binds);
}

/* Is a section one the program reads? */
static int
cfg_section_known(const char *section, size_t len)
{
	const struct cfg_entry	*ce;

	if (len == strlen(CFG_KEYS_SECTION) &&
	    strncmp(section, CFG_KEYS_SECTION, len) == 0)
		return (1);
	for (ce = cfg_table; ce->name != NULL; ce++) {
		if (strlen(ce->section) == len &&
		    strncmp(ce->section, section, len) == 0)
			return (1);
	}
	return (0);
}

/* inih handler: apply one key, remembering the first error. */
static int
cfg_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct cfg_parse	*cp = arg;
	const struct cfg_entry	*ce;
	char			*cause;

	if (cp->error != NULL)
		return (0);
	cp->error_line = cp->line;
	if (strcmp(section, CFG_KEYS_SECTION) == 0) {
		cfg_bind_add(cp, name, value);
		return (1);
	}
	if ((ce = cfg_find(section, name)) == NULL) {
		if (*section == '\0')
			xasprintf(&cp->error, "%s: key outside a section",
			    name);
		else
			xasprintf(&cp->error, "%s: unknown key in [%s]",
			    name, section);
		return (0);
	}
	if (cfg_apply(ce, value, &cause) != 0) {
		xasprintf(&cp->error, "%s: %s", name, cause);
		free(cause);
		return (0);
	}
	return (1);
}

/*
 * Look at a line before inih does, for what inih would take quietly: an
 * indented line after KEY = VALUE is, to inih, more of that value (it is
 * built with INI_ALLOW_MULTILINE), and a section with a name the program
 * does not read would only show as unknown keys.
 */
static void
cfg_check_line(struct cfg_parse *cp, const char *str)
{
	const char	*s = str, *end;
	size_t		 len;

	if (cp->line == 1 && strncmp(s, "\357\273\277", 3) == 0)
		s += 3;		/* a UTF-8 byte order mark */
	str = s;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' ||
	    *s == '#')
		return;
	if (s != str && cp->prev[0] != '\0') {
		xasprintf(&cp->error, "indented line: it would be read as "
		    "more of the value of %s (line %d); remove the "
		    "indentation", cp->prev, cp->prev_line);
		cp->error_line = cp->line;
		return;
	}
	if (*s == '[') {
		cp->prev[0] = '\0';
		if ((end = strchr(s + 1, ']')) == NULL)
			return;		/* inih's syntax error */
		len = end - (s + 1);
		if (!cfg_section_known(s + 1, len)) {
			xasprintf(&cp->error, "[%.*s]: unknown section",
			    (int)len, s + 1);
			cp->error_line = cp->line;
		}
		return;
	}
	len = strcspn(s, "=:\r\n");
	if (s[len] != '=' && s[len] != ':')
		return;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= sizeof cp->prev)
		len = sizeof cp->prev - 1;
	memcpy(cp->prev, s, len);
	cp->prev[len] = '\0';
	cp->prev_line = cp->line;
}

/* inih reader: one line, counted, so errors name the key's own line. */
static char *
cfg_reader(char *str, int num, void *arg)
{
	struct cfg_parse	*cp = arg;
	char			*p;
	int			 start;

	if (cp->too_big)
		return (NULL);
	start = !cp->midline;
	if ((p = fgets(str, num, cp->f)) != NULL) {
		if (start)
			cp->line++;
		cp->midline = strchr(str, '\n') == NULL && !feof(cp->f);
	}
	if (p != NULL && (cp->bytes += strlen(str)) > CFG_FILE_MAX) {
		/* It grew after cfg_open looked at its size. */
		cp->too_big = 1;
		return (NULL);
	}
	if (p != NULL && start && cp->error == NULL) {
		cfg_check_line(cp, str);
		if (cp->error != NULL)
			return (NULL);
	}
	return (p);
}

/*
 * Open the file for reading: a regular file of at most CFG_FILE_MAX bytes.
 * O_NONBLOCK so that a FIFO does not block the open; a device such as
 * /dev/zero (a symbolic link to it) would never end. /dev/null is taken
 * as an empty file (-f /dev/null: no configuration). NULL without cause
 * when there is nothing to read.
 */
static FILE *
cfg_open(const char *path, int must_exist, char **cause)
{
	struct stat	 sb, nsb;
	FILE		*f;
	int		 fd, fl;

	if ((fd = open(path, O_RDONLY|O_NONBLOCK|O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !must_exist) {
			*cause = NULL;
			return (NULL);
		}
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &sb) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISCHR(sb.st_mode) && stat("/dev/null", &nsb) == 0 &&
	    S_ISCHR(nsb.st_mode) && sb.st_rdev == nsb.st_rdev) {
		close(fd);
		*cause = NULL;
		return (NULL);
	}
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		goto fail;
	}
	if (sb.st_size > CFG_FILE_MAX) {
		xasprintf(cause, "%s: %lld bytes, larger than the %d a "
		    "configuration file may have", path,
		    (long long)sb.st_size, CFG_FILE_MAX);
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    (f = fdopen(fd, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return (f);
fail:
	close(fd);
	return (NULL);
}

/*
 * Read an INI file. A missing file is an error only when must_exist. Errors
 * are "FILE:LINE: KEY: what is wrong"; the first error in the file wins.
 */
int
cfg_load(const char *path, int must_exist, char **cause)
{
	struct cfg_parse	 cp;
	int			 line;

	memset(&cp, 0, sizeof cp);
	cp.path = path;
	if ((cp.f = cfg_open(path, must_exist, cause)) == NULL)
		return (*cause == NULL ? 0 : -1);
	line = ini_parse_stream(cfg_reader, &cp, cfg_handler, &cp);
	fclose(cp.f);
	if (cp.too_big) {
		xasprintf(cause, "%s: larger than the %d bytes a "
		    "configuration file may have", path, CFG_FILE_MAX);
		free(cp.error);
		return (-1);
	}
	if (line < 0) {
		xasprintf(cause, "%s: cannot read", path);
		free(cp.error);
		return (-1);
	}
	if (line == 0 && cp.error == NULL)
		return (0);
	if (cp.error != NULL && (line == 0 || cp.error_line <= line)) {
		xasprintf(cause, "%s:%d: %s", path, cp.error_line, cp.error);
		free(cp.error);
	} else if (cp.error != NULL) {
		/* A syntax error came first. */
		xasprintf(cause, "%s:%d: syntax error (expected KEY = VALUE "
		    "or [SECTION])", path, line);
		free(cp.error);
	} else
		xasprintf(cause, "%s:%d: syntax error (expected KEY = VALUE "
		    "or [SECTION])", path, line);
	return (-1);
}

/* Set a key from a command-line flag. */
int
cfg_set(enum cfg_key key, const char *value, char **cause)
{
	return (cfg_apply(&cfg_table[key], value, cause));
}

/* The value of a string or choice key. */
const char *
cfg_str(enum cfg_key key)
{
	return (cfg_values[key].str != NULL ? cfg_values[key].str : "");
}

/* The value of a number or flag key. */
long long
cfg_num(enum cfg_key key)
{
	return (cfg_values[key].num);
}

/* How many values a list key has. */
u_int
cfg_list_count(enum cfg_key key)
{
	return (cfg_values[key].nlist);
}

/* One value of a list key. */
const char *
cfg_list_get(enum cfg_key key, u_int i)
{
	return (cfg_values[key].list[i]);
}

/* Add a value to a list key. */
void
cfg_list_add(enum cfg_key key, const char *value)
{
	struct cfg_value	*cv = &cfg_values[key];

	cv->list = xreallocarray(cv->list, cv->nlist + 1, sizeof *cv->list);
	cv->list[cv->nlist++] = xstrdup(value);
}

/*
 * p2pchat --list-config: one key a line, SECTION, NAME, TYPE, DEFAULT,
 * MIN, MAX, CHOICES and HELP, separated by tabs.
 */
void
cfg_table_print(FILE *f)
{
	static const char	*types[] = {
		[CFG_STRING] = "string",
		[CFG_NUMBER] = "number",
		[CFG_FLAG] = "flag",
		[CFG_LIST] = "list",
		[CFG_ADDR] = "addr",
		[CFG_CHOICE] = "choice",
	};
	const struct cfg_entry	*ce;

	for (ce = cfg_table; ce->name != NULL; ce++) {
		fprintf(f, "%s\t%s\t%s\t%s\t%lld\t%lld\t%s\t%s\n", ce->section,
		    ce->name, types[ce->type], ce->dflt, ce->min, ce->max,
		    ce->choices != NULL ? ce->choices : "", ce->help);
	}
}
