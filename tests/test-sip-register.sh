#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shard: krtpd
#
# krtpd's registrar (RFC 3261 10) with sipp as the user agents: register,
# refresh, query, several contacts per address-of-record, removal of one
# binding (Expires: 0) and of all (Contact: *), Min-Expires (423), REGISTER
# over TCP; then with a users file: no credentials (401 challenge), digest
# auth accepted (MD5 with sipp, SHA-256 with tests/sip/digest.py; users
# with an MD5 HA1 are offered MD5 only, the others SHA-256 first), a wrong
# password refused (both algorithms); and callers of the domain: an INVITE
# from alice without credentials gets 407 (RFC 3261 22.3), with them the
# call connects and bob's INVITE arrives without them. krtpctl
# registrations shows exactly the bindings that exist. Userspace media:
# krtp.ko is not needed.
#
#   alice (caller ns)          krtpd (relay ns)                  bob (callee ns)
#   c0 10.0.1.2 ----veth---- r1 10.0.1.1  lo 10.0.0.1  r2 10.0.2.1 ----veth---- e0 10.0.2.2
#   sipp :5060                 registrar 10.0.0.1:5060           sipp :5060
#                              domain krtp.test
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/sip/lib.sh"
require_sip_tools
ktap_print_header

sip_topology || { ktap_test_fail "topology"; ktap_finished; exit; }
krtpd_config user
krtpd_start || { ktap_test_fail "krtpd starts"; ktap_finished; exit; }
ktap_test_pass "krtpd starts"

ALICE1=sip:alice@$CALLER4:5060
ALICE2=sip:alice@$CALLER4:5062

# logged LINE_PREFIX: what the last sipp run logged after the prefix
logged() {
	sed -n "s/^.*$1//p" "$SIPP_LAST.log" 2>/dev/null | tr -d '\r' | tail -n 1
}

# --- without authentication ---------------------------------------------------
sip_check "alice registers" register alice
check "krtpctl registrations: alice's binding" "$ALICE1" "$(bindings alice)"
check "the 200 lists the binding" yes "$(logged 'contacts: ' | grep -q "$ALICE1" && echo yes)"
check "the 200 gives the binding's expiry" yes "$(logged 'contacts: ' | grep -qi 'expires=' && echo yes)"

sip_check "alice refreshes (same Call-ID, higher CSeq)" register alice
check "refresh keeps one binding" "$ALICE1" "$(bindings alice)"

sip_check "alice registers a second contact" register alice 5062
check "two bindings for alice" "$ALICE1 $ALICE2" "$(bindings alice | xargs)"

SVC=alice sip_check "query (REGISTER without Contact)" alice reg-query.xml
q=$(logged 'contacts: ')
check "query lists both bindings" yes \
	"$(echo "$q" | grep -q "$ALICE1" && echo "$q" | grep -q "$ALICE2" && echo yes)"

sip_check "bob registers" register bob
check "bob's binding" "sip:bob@$CALLEE4:5060" "$(bindings bob)"
check "alice's bindings unchanged" "$ALICE1 $ALICE2" "$(bindings alice | xargs)"

sip_check "alice removes one contact (Expires: 0)" register alice 5062 0
check "one binding left for alice" "$ALICE1" "$(bindings alice)"

SVC=alice sip_check "too brief an interval gets 423" alice reg-423.xml -key expires 1
check "423 carries Min-Expires" yes "$([[ "$(logged 'min-expires: ')" =~ ^[0-9]+$ ]] && echo yes)"
check "the 423 left the bindings alone" "$ALICE1" "$(bindings alice)"

SVC=alice sip_check "alice removes all (Contact: *, Expires: 0)" alice reg-star.xml
check "no binding left for alice" "" "$(bindings alice)"
check "bob's binding unaffected" "sip:bob@$CALLEE4:5060" "$(bindings bob)"

sip_check "bob refreshes over TCP" register bob -t t1
check "bob still has one binding" "sip:bob@$CALLEE4:5060" "$(bindings bob)"
sip_check "OPTIONS still answered" options_ok

# --- with a users file: digest authentication -----------------------------------
krtpd_stop
# alice and bob use sipp, which knows only MD5 and reads only the first
# challenge: their lines are MD5 HA1s, so krtpd offers them MD5 only;
# carol has a password and is offered SHA-256, then MD5 (the default)
krtpd_users alice md5:alice-secret bob md5:bob-secret carol carol-secret
krtpd_config user "users_file = $KRTPD_USERS"
rm -rf "$KRTPD_STATE"
krtpd_start || { ktap_test_fail "krtpd restarts with a users file"; ktap_finished; exit; }

SVC=alice sip_check "no credentials: 401" alice reg-401.xml
chal=$(logged 'challenge: ')
check "the challenge is Digest with a realm and a nonce" yes \
	"$(echo "$chal" | grep -qi 'digest' && echo "$chal" | grep -qi 'realm=' &&
	   echo "$chal" | grep -qi 'nonce=' && echo yes)"
check "no binding without credentials" "" "$(bindings alice)"

SVC=alice sip_check "alice registers with the right password (MD5 digest)" \
	alice reg-auth.xml -au alice -ap alice-secret
check "authenticated binding stored" "$ALICE1" "$(bindings alice)"

SVC=alice sip_check "a wrong password is refused" \
	alice reg-auth-bad.xml -au alice -ap not-alices-password -key contact_port 5064
check "no binding from the wrong password" "$ALICE1" "$(bindings alice)"

# digest USER PASSWORD ALGORITHM EXPECT CONTACT_PORT: RFC 7616 from bob's side
digest() {
	ip netns exec "$bob" /usr/bin/python3 "$SIP_DIR/digest.py" --user "$1" --password "$2" \
		--algorithm "$3" --expect "$4" --domain "$SIP_DOMAIN" \
		--contact "sip:$1@$CALLEE4:$5" "$SIP_ADDR:$SIP_PORT" | tee "$TMPD/digest.out" |
		sed 's/^/# /'
	return "${PIPESTATUS[0]}"
}
# offered: the algorithms of the last digest run's challenges, in order
offered() {
	sed -n 's/^offered: //p' "$TMPD/digest.out"
}
sip_check "carol registers with SHA-256 digest" digest carol carol-secret SHA-256 200 5070
check "SHA-256 binding stored" "sip:carol@$CALLEE4:5070" "$(bindings carol)"
check "carol is offered SHA-256, then MD5 (RFC 8760 order)" "SHA-256, MD5" "$(offered)"
sip_check "a wrong password with SHA-256 is refused (401 or 403)" digest carol nope SHA-256 "401|403" 5072
check "no binding from the wrong SHA-256 password" "sip:carol@$CALLEE4:5070" "$(bindings carol)"
sip_check "a wrong password for alice is refused (401 or 403)" digest alice nope MD5 "401|403" 5074
check "alice, an MD5 HA1, is offered MD5 only" "MD5" "$(offered)"

# --- callers from the domain authenticate too (proxy auth, 407) ------------------
SVC=bob sip_check "bob registers where his sipp answers (MD5 digest)" \
	bob reg-auth.xml -au bob -ap bob-secret
sip_check "alice's INVITE without credentials: 407" alice uac-407.xml
chal=$(logged 'challenge: ')
check "the 407 carries Proxy-Authenticate Digest with a nonce" yes \
	"$(echo "$chal" | grep -qi 'digest' && echo "$chal" | grep -qi 'nonce=' && echo yes)"
check "no call from an unauthenticated INVITE" 0 "$(ncalls)"
bob_answers uas-answer.xml
sip_check "alice's INVITE with credentials connects (MD5 digest)" \
	alice uac-auth.xml -au alice -ap alice-secret
sip_check "bob answered and the call ended with BYE" sipp_wait BOB_PID uas-answer.xml
check "alice sent Proxy-Authorization" yes \
	"$(grep -qi '^Proxy-Authorization: *Digest' "$SIPP_LAST.msg" && echo yes)"
check "bob's INVITE came without krtpd's credentials" 0 \
	"$(grep -ci 'Proxy-Authorization' "$BOB_PID_TRACE.msg")"
check "no call left after BYE" 0 "$(ncalls)"
sip_check "OPTIONS still answered" options_ok
check "krtpd still running" yes "$(krtpd_alive && echo yes)"

[ "$KTAP_CNT_FAIL" -gt 0 ] && krtpd_log_tail 40
[ -n "${SIP_DEBUG_DIR:-}" ] && cp -r "$TMPD" "$SIP_DEBUG_DIR"
ktap_finished
