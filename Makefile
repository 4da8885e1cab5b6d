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
		redis-tools redis-server mandoc valgrind python3 socat zsh fish

LIB_SRCS =	lib/buf.c lib/resp.c lib/glob.c lib/sockpath.c lib/split.c \
		lib/autostart.c lib/client.c
LIB_OBJS =	$(LIB_SRCS:.c=.o)

CXBUS_SRCS =	cmd/cxbus/main.c cmd/cxbus/cmd-pub.c cmd/cxbus/cmd-sub.c \
		cmd/cxbus/cmd-topics.c cmd/cxbus/cmd-status.c \
		cmd/cxbus/output.c
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

demo: deps all
	examples/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions \
	    $(DESTDIR)$(DATADIR)/zsh/vendor-completions \
	    $(DESTDIR)$(DATADIR)/fish/vendor_completions.d
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	install -m 644 libcxbus.a $(DESTDIR)$(LIBDIR)
	install -m 755 libcxbus.so.0 $(DESTDIR)$(LIBDIR)
	ln -sf libcxbus.so.0 $(DESTDIR)$(LIBDIR)/libcxbus.so
	install -m 644 lib/cxbus.h $(DESTDIR)$(INCLUDEDIR)
	install -m 644 cxbus.pc $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 man/cxbus.1 man/cxbusd.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/cxbus.3 $(DESTDIR)$(MANDIR)/man3
	install -m 644 man/cxbus.7 $(DESTDIR)$(MANDIR)/man7
	install -m 644 completions/cxbus.bash \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions/cxbus
	install -m 644 completions/_cxbus \
	    $(DESTDIR)$(DATADIR)/zsh/vendor-completions
	install -m 644 completions/cxbus.fish \
	    $(DESTDIR)$(DATADIR)/fish/vendor_completions.d

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cxbus $(DESTDIR)$(BINDIR)/cxbusd \
	    $(DESTDIR)$(LIBDIR)/libcxbus.a $(DESTDIR)$(LIBDIR)/libcxbus.so.0 \
	    $(DESTDIR)$(LIBDIR)/libcxbus.so \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/cxbus.pc \
	    $(DESTDIR)$(INCLUDEDIR)/cxbus.h \
	    $(DESTDIR)$(MANDIR)/man1/cxbus.1 $(DESTDIR)$(MANDIR)/man1/cxbusd.1 \
	    $(DESTDIR)$(MANDIR)/man3/cxbus.3 $(DESTDIR)$(MANDIR)/man7/cxbus.7 \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions/cxbus \
	    $(DESTDIR)$(DATADIR)/zsh/vendor-completions/_cxbus \
	    $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/cxbus.fish

clean:
	rm -f $(LIB_OBJS) $(CXBUS_OBJS) $(CXBUSD_OBJS) $(UNIT_BINS) \
	    $(PROGS) $(LIBS) cxbus.pc

.PHONY: all deps test unit-bins test-unit test-cli test-sanitize demo \
	install uninstall clean
