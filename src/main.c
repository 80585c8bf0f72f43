/*
 * main.c: the p2pchat program: options, the profile directory and its lock,
 * then the node with the screen or the headless frontend.
 */

#include "p2pchat.h"

#include <getopt.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <sys/file.h>
#include <sys/wait.h>


static int		 main_lock_fd = -1;

/*
 * The tables the program prints, each with an option --list-NAME: one
 * entry a line, fields separated by tabs. The man pages are checked
 * against them (tests/regress/docs.sh), not against the C source.
 */
static const struct main_list {
	const char	*option;
	void		(*print)(FILE *);
	const char	*help;
	int		 configured;	/* printed after the file is read */
} main_lists[] = {
	{ .option = "list-config", .print = cfg_table_print,
	  .help = "print the configuration keys and exit" },
	{ .option = "list-commands", .print = cmd_table_print,
	  .help = "print the commands and exit" },
	{ .option = "list-keys", .print = ui_list_keys,
	  .help = "print the key bindings in force and exit",
	  .configured = 1 },
	{ .option = "list-records", .print = wire_list_records,
	  .help = "print the record types and exit" },
};

/* Print the usage summary. */
static void
main_usage(FILE *f)
{
	u_int	i;

	fprintf(f,
"usage: p2pchat [-DhV] [--headless | --no-daemon] [--new-identity]\n"
"               [-d DIR] [-f FILE]\n"
"               [-l ADDR:PORT] [-c ADDR:PORT]... [-n NAME]\n"
"       p2pchat [-d DIR] --foreground | --kill | --headless --attach\n");
	for (i = 0; i < nitems(main_lists); i++) {
		fprintf(f, "%s--%s", i == 0 ? "       p2pchat " : " | ",
		    main_lists[i].option);
	}
	fprintf(f, "\n"
"  -d, --home DIR          profile directory (database, log)\n"
"  -f, --config FILE       configuration file (p2pchat.ini(5))\n"
"  -l, --listen ADDR:PORT  listen address; * is every address, port 0 any\n"
"  -c, --connect ADDR:PORT dial a peer at start (repeatable)\n"
"  -n, --nick NAME         nick shown to peers\n"
"      --headless          commands on stdin, JSON Lines events on stdout\n"
"  -D, --daemon            start the node in the background, no screen\n"
"      --foreground        run the node without a screen (systemd)\n"
"      --attach            with --headless: attach to the running node\n"
"      --kill              stop the node running on the profile\n"
"      --no-daemon         the screen runs the node itself (no attaching)\n"
"      --new-identity      make a new identity if the database has none\n");
	for (i = 0; i < nitems(main_lists); i++)
		fprintf(f, "      --%-18s%s\n", main_lists[i].option,
		    main_lists[i].help);
	fprintf(f,
"  -V, --version           print the version and exit\n"
"  -h, --help              print this help and exit\n"
"See p2pchat(1).\n");
}

/*
 * Keep the memory a burst of messages grew into. glibc hands blocks over
 * 128 KiB back with munmap and trims the heap when 128 KiB are free at its
 * top, so each burst (a message table of a few MiB, SQLite's page cache,
 * socket buffers) faulted in fresh zeroed pages again; page faults were
 * 6% of a sender's time in bench-e2e. Up to 8 MiB is now kept for the
 * next one, and the heap grows 1 MiB at a time: a sender's page faults in
 * a bench run went from 6,000-6,400 to 2,700-3,900, its brk calls from
 * 120-150 to 12-17.
 */
static void
main_malloc_tune(void)
{
#if defined(HAVE_MALLOPT) && defined(M_TRIM_THRESHOLD) && \
    defined(M_MMAP_THRESHOLD) && defined(M_TOP_PAD)
	mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	mallopt(M_TOP_PAD, 1024 * 1024);
#endif
}

/* A usage error: one line, a hint, exit 2. */
static __dead void
main_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "p2pchat: %s%s (try p2pchat --help)\n", what, arg);
	exit(2);
}

/* A runtime error before the loop: one line, exit 1. */
static __dead void
main_fail(const char *cause)
{
	fprintf(stderr, "p2pchat: %s\n", cause);
	exit(1);
}

/* Make a directory and its parents; the last one gets mode. */
static int
main_mkdirs(const char *path, mode_t mode, char **cause)
{
	char	*copy, *p;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
			xasprintf(cause, "%s: %s", copy, strerror(errno));
			free(copy);
			return (-1);
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(path, mode) != 0 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* A profile file or directory must be the user's; NULL if it is, or why. */
static char *
main_owner(const char *path, const struct stat *sb)
{
	char	*cause;

	if (sb->st_uid == getuid())
		return (NULL);
	xasprintf(&cause, "%s is owned by uid %lu, not by you (uid %lu)",
	    path, (u_long)sb->st_uid, (u_long)getuid());
	return (cause);
}

/*
 * The profile holds the secret key. As sshd does with StrictModes, a
 * directory other users can write to is refused: they could have put
 * their own database (identity) or log there, and a chmod now would not
 * undo that. One they can only read or search is made private, with a
 * log line (mkdir(1) under umask 022 makes 0755). Returns the mode it
 * had if it was changed, else 0.
 */
static mode_t
main_private(const char *home)
{
	struct stat	 sb;
	char		*cause;

	if (stat(home, &sb) != 0)
		main_fail(home);
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "p2pchat: %s is not a directory\n", home);
		exit(1);
	}
	if ((cause = main_owner(home, &sb)) != NULL)
		main_fail(cause);
	if ((sb.st_mode & 022) != 0) {
		fprintf(stderr, "p2pchat: %s: mode %04o lets other users write "
		    "in the profile directory; check what is in it, then run "
		    "\"chmod 700 %s\"\n", home, (u_int)(sb.st_mode & 07777),
		    home);
		exit(1);
	}
	if ((sb.st_mode & 077) == 0)
		return (0);
	if (chmod(home, sb.st_mode & 0700) != 0) {
		fprintf(stderr, "p2pchat: %s: %s\n", home, strerror(errno));
		exit(1);
	}
	return (sb.st_mode & 07777);
}

/*
 * The database (and its log, which holds copies of its pages) holds the
 * secret key: refused, as ssh(1) refuses a private key file, if it is
 * not a regular file of ours or if other users may read or write it. A
 * key others could read may have been copied; making the file private
 * now would hide that. Returns 0 if the file is missing (a new profile),
 * else 1 with its stat in sb.
 */
static int
main_check_file(const char *path, struct stat *sb)
{
	char	*cause;

	if (stat(path, sb) != 0) {
		if (errno == ENOENT)
			return (0);
		fprintf(stderr, "p2pchat: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (!S_ISREG(sb->st_mode)) {
		fprintf(stderr, "p2pchat: %s is not a regular file\n", path);
		exit(1);
	}
	if ((cause = main_owner(path, sb)) != NULL)
		main_fail(cause);
	if ((sb->st_mode & 077) != 0) {
		fprintf(stderr, "p2pchat: %s: mode %04o lets other users read "
		    "or change the secret key it holds; run \"chmod 600 %s\"\n",
		    path, (u_int)(sb->st_mode & 07777), path);
		exit(1);
	}
	return (1);
}

/* The database has no identity: say what is missing and how to go on. */
static __dead void
main_no_identity(const char *path, const char *why)
{
	fprintf(stderr, "p2pchat: %s has no identity: %s; it was left as it "
	    "is (restore it from a backup, or start with --new-identity for "
	    "a new one)\n", path, why);
	exit(1);
}

/*
 * Check the database file before it is opened. Returns 1 if a new
 * identity may be made: there is no file (a new profile), or the user
 * asked with --new-identity. An empty file is refused here, before
 * SQLite would write a new schema into it.
 */
static int
main_check_db(const char *path, int new_identity)
{
	struct stat	 sb, wsb;
	char		*wal;
	int		 exists;

	exists = main_check_file(path, &sb);
	xasprintf(&wal, "%s-wal", path);
	main_check_file(wal, &wsb);
	free(wal);
	if (!exists || new_identity)
		return (1);
	if (sb.st_size == 0)
		main_no_identity(path, "the file is empty (0 bytes)");
	return (0);
}

/* The default profile directory: $XDG_DATA_HOME/p2pchat. */
static char *
main_default_home(void)
{
	const char	*x, *home;
	char		*path;

	if ((x = getenv("XDG_DATA_HOME")) != NULL && *x == '/')
		xasprintf(&path, "%s/p2pchat", x);
	else {
		if ((home = getenv("HOME")) == NULL)
			main_fail("HOME is not set; give --home DIR");
		xasprintf(&path, "%s/.local/share/p2pchat", home);
	}
	return (path);
}

/* The default config file: $XDG_CONFIG_HOME/p2pchat/p2pchat.ini. */
static char *
main_default_config(void)
{
	const char	*x, *home;
	char		*path;

	if ((x = getenv("XDG_CONFIG_HOME")) != NULL && *x == '/')
		xasprintf(&path, "%s/p2pchat/p2pchat.ini", x);
	else {
		if ((home = getenv("HOME")) == NULL)
			return (NULL);
		xasprintf(&path, "%s/.config/p2pchat/p2pchat.ini", home);
	}
	return (path);
}

/* Take the profile lock so a second p2pchat cannot use the directory. */
static int
main_lock(const char *home, char **cause)
{
	char	*path, pid[32];
	int	 fd;

	xasprintf(&path, "%s/p2pchat.lock", home);
	fd = open(path, O_RDWR|O_CREAT|O_CLOEXEC, 0600);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	if (flock(fd, LOCK_EX|LOCK_NB) != 0) {
		ssize_t	n = read(fd, pid, sizeof pid - 1);

		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		xasprintf(cause, "%s is in use by another p2pchat%s%s%s", home,
		    *pid ? " (pid " : "", pid, *pid ? ")" : "");
		close(fd);
		free(path);
		return (-1);
	}
	if (ftruncate(fd, 0) == 0) {
		snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		if (write(fd, pid, strlen(pid)) < 0)
			log_warnx("%s: writing the lock file", __func__);
	}
	main_lock_fd = fd;
	free(path);
	return (0);
}

/*
 * -D: fork; the child goes on as the node, in its own session, and the
 * parent waits on a pipe until the child says it is listening (one byte)
 * or exits, so that an error (the profile in use, a port taken) is still
 * seen on the terminal and in the exit status. Returns in the child only.
 */
static int
main_daemonize(void)
{
	int	 fds[2], status;
	pid_t	 pid;
	char	 c;
	ssize_t	 n;

	if (pipe(fds) != 0)
		main_fail(strerror(errno));
	fflush(stdout);
	fflush(stderr);
	switch ((pid = fork())) {
	case -1:
		main_fail(strerror(errno));
	case 0:
		close(fds[0]);
		if (setsid() == -1)
			main_fail(strerror(errno));
		return (fds[1]);
	}
	close(fds[1]);
	while ((n = read(fds[0], &c, 1)) == -1 && errno == EINTR)
		;
	if (n == 1)
		exit(0);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) != 0)
		exit(WEXITSTATUS(status));
	exit(1);
}

/*
 * The node of -D is listening: tell the parent, and leave the terminal
 * (standard input, output and error become /dev/null; the log is the
 * place for what happens from now on).
 */
static void
main_daemon_ready(int fd)
{
	int	 null;

	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(fd, "R", 1) != 1)
		log_warnx("%s: %s", __func__, strerror(errno));
	close(fd);
}

/*
 * Start the node of the profile in the background, as p2pchat -D would
 * with the same options: the child's errors go to the terminal and its
 * exit status becomes ours.
 */
static void
main_spawn(char **argv)
{
	char	**nargv;
	u_int	  n, i;
	int	  status;
	pid_t	  pid;

	for (n = 0; argv[n] != NULL; n++)
		;
	nargv = xcalloc(n + 2, sizeof *nargv);
	nargv[0] = argv[0];
	nargv[1] = (char *)"-D";
	for (i = 1; i < n; i++)
		nargv[i + 1] = argv[i];
	fflush(stdout);
	fflush(stderr);
	switch ((pid = fork())) {
	case -1:
		main_fail(strerror(errno));
	case 0:
		execv(strchr(argv[0], '/') != NULL ? argv[0] : "/proc/self/exe",
		    nargv);
		fprintf(stderr, "p2pchat: %s: %s\n", argv[0], strerror(errno));
		_exit(1);
	}
	free(nargv);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			main_fail(strerror(errno));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/*
 * p2pchat with no options: attach a screen to the node of home, starting
 * one in the background first if none runs there.
 */
static int
main_screen(const char *home, char **argv)
{
	char	*cause;
	int	 fd, r;

	/* Before a node is started for it. */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		main_fail("the screen needs a terminal (or use --headless)");
	if ((r = client_connect(home, &fd, &cause)) == 1) {
		free(cause);
		main_spawn(argv);
		r = client_connect(home, &fd, &cause);
	}
	if (r != 0)
		main_fail(cause);
	return (ui_attach_run(home, fd));
}

enum {
	OPT_HEADLESS = 256,
	OPT_NEW_IDENTITY,
	OPT_FOREGROUND,
	OPT_ATTACH,
	OPT_KILL,
	OPT_NO_DAEMON,
	OPT_LIST,		/* OPT_LIST + i is main_lists[i] */
};

static const struct option main_options[] = {
	{ "home", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'f' },
	{ "listen", required_argument, NULL, 'l' },
	{ "connect", required_argument, NULL, 'c' },
	{ "nick", required_argument, NULL, 'n' },
	{ "headless", no_argument, NULL, OPT_HEADLESS },
	{ "new-identity", no_argument, NULL, OPT_NEW_IDENTITY },
	{ "daemon", no_argument, NULL, 'D' },
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "attach", no_argument, NULL, OPT_ATTACH },
	{ "kill", no_argument, NULL, OPT_KILL },
	{ "no-daemon", no_argument, NULL, OPT_NO_DAEMON },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* The long options: main_options, then one for each of main_lists. */
static const struct option *
main_long_options(void)
{
	static struct option	 all[nitems(main_options) + nitems(main_lists)];
	u_int			 i, n = 0;

	for (i = 0; main_options[i].name != NULL; i++)
		all[n++] = main_options[i];
	for (i = 0; i < nitems(main_lists); i++) {
		all[n].name = main_lists[i].option;
		all[n].has_arg = no_argument;
		all[n].flag = NULL;
		all[n].val = OPT_LIST + i;
		n++;
	}
	return (all);
}

int
main(int argc, char **argv)
{
	char		*home = NULL, *config = NULL, *listen = NULL;
	char		*config_alloc = NULL, *home_alloc = NULL;
	char		*nick = NULL, *path, *cause;
	char		**connects = NULL;
	const struct main_list *list = NULL;
	u_int		 nconnects = 0, i;
	int		 ch, headless = 0, must_exist = 0, new_identity = 0;
	int		 create, found, daemon = 0, attach = 0, kill_node = 0;
	int		 ready_fd = -1, fd, no_daemon = 0, status;
	mode_t		 was;
	static const char *levels[] = { "warn", "info", "debug" };
	int		 level;

	setlocale(LC_ALL, "");
	umask(077);
	main_malloc_tune();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:f:l:c:n:DVh",
	    main_long_options(), NULL)) != -1) {
		switch (ch) {
		case 'd':
			home = optarg;
			break;
		case 'f':
			config = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'c':
			connects = xreallocarray(connects, nconnects + 1,
			    sizeof *connects);
			connects[nconnects++] = optarg;
			break;
		case 'n':
			nick = optarg;
			break;
		case OPT_HEADLESS:
			headless = 1;
			break;
		case OPT_NEW_IDENTITY:
			new_identity = 1;
			break;
		case 'D':
			daemon = 1;
			break;
		case OPT_FOREGROUND:
			daemon = 2;
			break;
		case OPT_ATTACH:
			attach = 1;
			break;
		case OPT_KILL:
			kill_node = 1;
			break;
		case OPT_NO_DAEMON:
			no_daemon = 1;
			break;
		case 'V':
			printf("p2pchat %s\n", PACKAGE_VERSION);
			return (0);
		case 'h':
			main_usage(stdout);
			return (0);
		case ':':
			main_usage_error("missing argument to ",
			    argv[optind - 1]);
		default:
			if (ch >= OPT_LIST &&
			    ch < OPT_LIST + (int)nitems(main_lists) &&
			    main_lists[ch - OPT_LIST].configured) {
				list = &main_lists[ch - OPT_LIST];
				break;
			}
			if (ch >= OPT_LIST &&
			    ch < OPT_LIST + (int)nitems(main_lists)) {
				main_lists[ch - OPT_LIST].print(stdout);
				return (fflush(stdout) == 0 ? 0 : 1);
			}
			main_usage_error("unknown option ", argv[optind - 1]);
		}
	}
	if (optind != argc)
		main_usage_error("unexpected argument ", argv[optind]);
	if (attach && !headless)
		main_usage_error("--attach needs ", "--headless");
	if ((daemon != 0) + headless + kill_node > 1)
		main_usage_error("choose one of ",
		    "-D, --foreground, --headless and --kill");

	if (sodium_init() < 0)
		main_fail("libsodium failed to initialise");
	cfg_reset();
	if (config != NULL)
		must_exist = 1;
	else if (home != NULL)
		xasprintf(&config_alloc, "%s/p2pchat.ini", home);
	else
		config_alloc = main_default_config();
	if (config_alloc != NULL)
		config = config_alloc;
	if (config != NULL && cfg_load(config, must_exist, &cause) != 0)
		main_fail(cause);
	if (ui_keys_configure(&cause) != 0)
		main_fail(cause);
	if (list != NULL) {
		list->print(stdout);
		free(config_alloc);
		free(connects);
		return (fflush(stdout) == 0 ? 0 : 1);
	}
	if (listen != NULL && cfg_set(CFG_LISTEN, listen, &cause) != 0)
		main_usage_error("--listen: ", cause);
	if (nick != NULL && (*nick == '\0' ||
	    cfg_set(CFG_NICK, nick, &cause) != 0))
		main_usage_error("--nick: ", *nick == '\0' ? "empty nick" :
		    cause);
	/* The same rules as /nick, whether from -n or the file. */
	if (*cfg_str(CFG_NICK) != '\0' &&
	    peer_nick_check(cfg_str(CFG_NICK), &cause) != 0) {
		if (nick != NULL)
			main_usage_error("--nick: ", cause);
		xasprintf(&path, "[node] nick: %s", cause);
		main_fail(path);
	}
	for (i = 0; i < nconnects; i++) {
		if (cfg_set(CFG_BOOTSTRAP, connects[i], &cause) != 0)
			main_usage_error("--connect: ", cause);
	}

	if (home == NULL)
		home = home_alloc = main_default_home();
	if (attach || kill_node) {
		if (attach && client_connect(home, &fd, &cause) != 0)
			main_fail(cause);
		if (kill_node && client_kill(home, &cause) != 0)
			main_fail(cause);
		free(connects);
		free(config_alloc);
		free(home_alloc);
		return (attach ? client_stdio(fd) : 0);
	}
	if (!headless && daemon == 0 && !no_daemon && cfg_num(CFG_UI_DAEMON)) {
		status = main_screen(home, argv);
		free(connects);
		free(config_alloc);
		free(home_alloc);
		return (status);
	}
	if (main_mkdirs(home, 0700, &cause) != 0)
		main_fail(cause);
	was = main_private(home);
	if (daemon == 1)
		ready_fd = main_daemonize();
	if (main_lock(home, &cause) != 0) {
		if (client_connect(home, &fd, &path) == 0) {
			close(fd);
			fprintf(stderr, "p2pchat: %s; attach with p2pchat "
			    "--headless --attach, or stop it with p2pchat "
			    "--kill\n", cause);
			exit(1);
		}
		main_fail(cause);
	}
	for (level = 0; level < 3; level++) {
		if (strcmp(cfg_str(CFG_LOG_LEVEL), levels[level]) == 0)
			break;
	}
	xasprintf(&path, "%s/p2pchat.log", home);
	if (log_open(path, level + 1, &cause) != 0)
		main_fail(cause);
	free(path);
	log_info("%s: p2pchat %s starting in %s", __func__, PACKAGE_VERSION,
	    home);
	log_debug("%s: configuration %s, listen %s", __func__,
	    config != NULL ? config : "(none)", cfg_str(CFG_LISTEN));
	if (was != 0)
		log_info("%s: %s was mode %04o, made %04o", __func__, home,
		    (u_int)was, (u_int)(was & 0700));

	xasprintf(&path, "%s/p2pchat.db", home);
	create = main_check_db(path, new_identity);
	if (store_open(path, &cause) != 0)
		main_fail(cause);
	if ((found = identity_load(create, &cause)) == -1)
		main_fail(cause);
	if (found == 0) {
		store_close();
		main_no_identity(path, "its identity row is missing");
	}
	free(path);
	if (peer_load(&cause) != 0)
		main_fail(cause);

	if (daemon)
		headless = 1;
	fe = headless ? &headless_frontend : &ui_frontend;
	if (node_init(&cause) != 0)
		main_fail(cause);
	if (headless && server_start(home, &cause) != 0) {
		if (daemon)
			main_fail(cause);
		log_warnx("%s: no attach socket: %s", __func__, cause);
		free(cause);
	}
	if (headless)
		headless_start(daemon ? HEADLESS_NO_STDIO : HEADLESS_STDIO);
	else if (ui_start(&cause) != 0)
		main_fail(cause);
	if (ready_fd != -1)
		main_daemon_ready(ready_fd);
	node_start_dialling();
	node_loop();

	if (headless) {
		headless_stop();
		server_stop();
	} else
		ui_stop();
	node_shutdown();
	identity_free();
	store_close();
	log_info("%s: stopped", __func__);
	log_close();
	free(connects);
	free(config_alloc);
	free(home_alloc);
	cfg_reset();
	if (main_lock_fd != -1)
		close(main_lock_fd);
	return (0);
}
