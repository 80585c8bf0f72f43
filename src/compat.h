/* compat.h: portability shims: list and tree macros, missing helpers. */

#ifndef COMPAT_H
#define COMPAT_H

#ifdef HAVE_SYS_TREE_H
#include <sys/queue.h>
#include <sys/tree.h>
#else
#include <bsd/sys/queue.h>
#include <bsd/sys/tree.h>
#endif

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

#ifndef __unused
#define __unused __attribute__((__unused__))
#endif

#ifndef nitems
#define nitems(a) (sizeof (a) / sizeof (a)[0])
#endif

#endif /* COMPAT_H */
