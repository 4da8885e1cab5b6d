# cxbus: a publish/subscribe bus for the shell.  Plain GNU make.

VERSION =	0.1.0

PREFIX ?=	/usr/local
BINDIR ?=	$(PREFIX)/bin
LIBDIR ?=	$(PREFIX)/lib
INCLUDEDIR ?=	$(PREFIX)/include
MANDIR ?=	$(PREFIX)/share/man
DATADIR ?=	$(PREFIX)/share
DESTDIR ?=

CC ?=		cc
CFLAGS ?=	-O2 -g
LDFLAGS ?=

# What the code needs whatever CFLAGS a user gives (make CFLAGS=-O0).
CX_CFLAGS =	-std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
		-Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		-fvisibility=hidden -fPIC -Ilib $(CFLAGS)
LDLIBS =	-lbsd -lm

# Debian packages the build, the tests and the demo need.
DEPS =		build-essential pkg-config libbsd-dev libcmocka-dev bats \
		redis-tools redis-server mandoc valgrind python3 socat zsh fish \
		clang libclang-rt-14-dev libhiredis-dev tmux chromium websocketd

LIB_SRCS =	lib/buf.c lib/resp.c lib/glob.c lib/sockpath.c lib/split.c \
		lib/autostart.c lib/client.c lib/stdfds.c
LIB_OBJS =	$(LIB_SRCS:.c=.o)

CXBUS_SRCS =	cmd/cxbus/main.c cmd/cxbus/cmd-pub.c cmd/cxbus/cmd-sub.c \
		cmd/cxbus/cmd-topics.c cmd/cxbus/cmd-status.c \
		cmd/cxbus/output.c cmd/cxbus/print.c cmd/cxbus/cmd-pipe.c
CXBUS_OBJS =	$(CXBUS_SRCS:.c=.o)

CXBUSD_SRCS =	cmd/cxbusd/main.c cmd/cxbusd/loop.c cmd/cxbusd/listen.c \
		cmd/cxbusd/peer.c cmd/cxbusd/command.c cmd/cxbusd/topic.c \
		cmd/cxbusd/log.c
CXBUSD_OBJS =	$(CXBUSD_SRCS:.c=.o)

UNIT_SRCS =	$(wildcard tests/unit/test-*.c)
UNIT_BINS =	$(UNIT_SRCS:.c=)

PROGS =		cxbus cxbusd
LIBS =		libcxbus.a libcxbus.so.0

all: $(PROGS) $(LIBS) cxbus.pc

libcxbus.a: $(LIB_OBJS)
	$(AR) rcs $@ $(LIB_OBJS)

libcxbus.so.0: $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libcxbus.so.0 -o $@ \
	    $(LIB_OBJS) $(LDLIBS)

cxbus: $(CXBUS_OBJS) libcxbus.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CXBUS_OBJS) libcxbus.a $(LDLIBS)

cxbusd: $(CXBUSD_OBJS) libcxbus.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CXBUSD_OBJS) libcxbus.a $(LDLIBS)

cxbus.pc: cxbus.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    cxbus.pc.in > $@

%.o: %.c
	$(CC) $(CX_CFLAGS) -c -o $@ $<

$(LIB_OBJS) $(CXBUS_OBJS) $(CXBUSD_OBJS): lib/cxbus.h lib/cxbus-int.h
$(CXBUS_OBJS): cmd/cxbus/cli.h
$(CXBUSD_OBJS): cmd/cxbusd/cxbusd.h

tests/unit/test-%: tests/unit/test-%.c libcxbus.a
	$(CC) $(CX_CFLAGS) $(LDFLAGS) -o $@ $< libcxbus.a -lcmocka $(LDLIBS)

# Install what is missing of $(DEPS); apt-get runs through sudo unless
# we are root already.
deps:
	@missing=$$(for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "deps: installing" $$missing; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
		    $$missing; \
	fi

test: deps
	$(MAKE) all unit-bins
	tests/run

unit-bins: $(UNIT_BINS)

test-unit: all unit-bins
	tests/run unit

test-cli: all
	tests/run cli

SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined

# The whole suite again with AddressSanitizer and UBSan built in.
test-sanitize: deps
	$(MAKE) clean
	$(MAKE) CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	    all unit-bins
	ASAN_OPTIONS=detect_leaks=1 CXBUS_TEST_CFLAGS="$(SAN_FLAGS)" tests/run
	$(MAKE) clean

# The command tests with every daemon they start under valgrind; a
# daemon with a memory error or a leak fails its test.
VALGRIND = valgrind --error-exitcode=99 -q --leak-check=full \
	   --errors-for-leak-kinds=definite,indirect
test-valgrind: deps
	$(MAKE) all unit-bins
	CXBUS_TEST_WRAP="$(VALGRIND)" tests/run cli

demo: deps all
	examples/demo.sh

# Delivery under load, faults and hostile clients (about 30 s).
stress: all
	tests/stress/run

# Fuzz the RESP parsers with libFuzzer for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz:
	tests/fuzz/run $(FUZZ_SECONDS)

# Figures beside the design's anchors; prints, never fails on a figure.
bench: all
	tests/bench/run

# Where install puts what is not a program, a library or a page: the
# places the tools themselves look under the prefix (systemd's user unit
# path is not below LIBDIR, which may be a multiarch directory).
SYSTEMDUSERUNITDIR ?= $(PREFIX)/lib/systemd/user
BASHCOMPDIR ?=	$(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?=	$(DATADIR)/zsh/site-functions
FISHCOMPDIR ?=	$(DATADIR)/fish/vendor_completions.d
MANPAGES1 =	man/cxbus.1 man/cxbusd.1
MANPAGES3 =	man/cxbus.3
MANPAGES7 =	man/cxbus.7

# The pkg-config file and the service name the installed paths, so they
# are made here from the templates with this run's variables, not taken
# from a build that may have had another PREFIX.
install: all
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(LIBDIR)/pkgconfig" \
	    "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(MANDIR)/man1" \
	    "$(DESTDIR)$(MANDIR)/man3" "$(DESTDIR)$(MANDIR)/man7" \
	    "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" \
	    "$(DESTDIR)$(FISHCOMPDIR)" "$(DESTDIR)$(SYSTEMDUSERUNITDIR)"
	install -m 755 $(PROGS) "$(DESTDIR)$(BINDIR)"
	install -m 644 libcxbus.a "$(DESTDIR)$(LIBDIR)"
	install -m 755 libcxbus.so.0 "$(DESTDIR)$(LIBDIR)"
	ln -sf libcxbus.so.0 "$(DESTDIR)$(LIBDIR)/libcxbus.so"
	install -m 644 lib/cxbus.h "$(DESTDIR)$(INCLUDEDIR)"
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    cxbus.pc.in > "$(DESTDIR)$(LIBDIR)/pkgconfig/cxbus.pc"
	chmod 644 "$(DESTDIR)$(LIBDIR)/pkgconfig/cxbus.pc"
	install -m 644 $(MANPAGES1) "$(DESTDIR)$(MANDIR)/man1"
	install -m 644 $(MANPAGES3) "$(DESTDIR)$(MANDIR)/man3"
	install -m 644 $(MANPAGES7) "$(DESTDIR)$(MANDIR)/man7"
	install -m 644 completions/cxbus.bash \
	    "$(DESTDIR)$(BASHCOMPDIR)/cxbus"
	install -m 644 completions/_cxbus "$(DESTDIR)$(ZSHCOMPDIR)"
	install -m 644 completions/cxbus.fish "$(DESTDIR)$(FISHCOMPDIR)"
	install -m 644 contrib/systemd/cxbus.socket \
	    "$(DESTDIR)$(SYSTEMDUSERUNITDIR)"
	sed -e 's|@BINDIR@|$(BINDIR)|' contrib/systemd/cxbus.service > \
	    "$(DESTDIR)$(SYSTEMDUSERUNITDIR)/cxbus.service"
	chmod 644 "$(DESTDIR)$(SYSTEMDUSERUNITDIR)/cxbus.service"

# Remove the files install put there; the directories may hold others'.
uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/cxbus" "$(DESTDIR)$(BINDIR)/cxbusd" \
	    "$(DESTDIR)$(LIBDIR)/libcxbus.a" \
	    "$(DESTDIR)$(LIBDIR)/libcxbus.so.0" \
	    "$(DESTDIR)$(LIBDIR)/libcxbus.so" \
	    "$(DESTDIR)$(LIBDIR)/pkgconfig/cxbus.pc" \
	    "$(DESTDIR)$(INCLUDEDIR)/cxbus.h" \
	    $(patsubst man/%,"$(DESTDIR)$(MANDIR)/man1/%",$(MANPAGES1)) \
	    $(patsubst man/%,"$(DESTDIR)$(MANDIR)/man3/%",$(MANPAGES3)) \
	    $(patsubst man/%,"$(DESTDIR)$(MANDIR)/man7/%",$(MANPAGES7)) \
	    "$(DESTDIR)$(BASHCOMPDIR)/cxbus" "$(DESTDIR)$(ZSHCOMPDIR)/_cxbus" \
	    "$(DESTDIR)$(FISHCOMPDIR)/cxbus.fish" \
	    "$(DESTDIR)$(SYSTEMDUSERUNITDIR)/cxbus.socket" \
	    "$(DESTDIR)$(SYSTEMDUSERUNITDIR)/cxbus.service"

clean:
	rm -f $(LIB_OBJS) $(CXBUS_OBJS) $(CXBUSD_OBJS) $(UNIT_BINS) \
	    $(PROGS) $(LIBS) cxbus.pc

.PHONY: all deps test unit-bins test-unit test-cli test-sanitize \
	test-valgrind demo bench \
	stress fuzz \
	install uninstall clean
