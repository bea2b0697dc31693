# SPDX-License-Identifier: GPL-2.0
# Node statements bound to the TPM (issue 13, docs/attestation.md): the
# statement's digest extended into PCR 23 and a TPM 2.0 quote over it with
# the verifier's nonce. The quote is checked by nojit and, independently,
# by tpm2_checkquote and by selftests/kernel/tpm-quote (python, no nojit
# code); forged quotes are refused. Sourced by run; needs a TPM: the VM
# boots with one (selftests/vm/run --tpm, as selftests/check does), and
# the part is skipped only where there is no /dev/tpmrm0.

if [ ! -c /dev/tpmrm0 ]; then
	tap_skip "attest-tpm: statements bound to a TPM quote" "no /dev/tpmrm0 (selftests/vm/run --tpm)"
else
	TW=$(mktemp -d /tmp/nojit-attest-tpm.XXXXXX)
	TQ=$HERE/kernel/tpm-quote
	# tpm2-tools through the kernel's resource manager, like nojit.
	export TPM2TOOLS_TCTI=device:/dev/tpmrm0
	"$NOJIT" keygen --attest --out "$TW/keys" >/dev/null || die "keygen --attest for the TPM tests"
	AKEY=$TW/keys/attest.key
	tpm_nonce() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
	N1=$(tpm_nonce)
	N2=$(tpm_nonce)
	# ms_since T0: milliseconds since EPOCHREALTIME was T0.
	ms_since() { echo $(((${EPOCHREALTIME/./} - ${1/./}) / 1000)); }

	# checkquote DIR AK NONCE: tpm2_checkquote over the files tpm-quote split wrote.
	checkquote() {
		tpm2_checkquote -u "$2" -m "$1/attest.bin" -s "$1/signature.bin" -g sha256 \
			-q "$3" -l "sha256:$(<"$1/pcr")" -f "$1/pcr.bin"
	}

	# --- the AK -----------------------------------------------------------
	if "$NOJIT" attest tpm-ak -o "$TW/ak.pem" 2>"$TW/ak.err" &&
	   "$NOJIT" attest tpm-ak --tpm /dev/tpmrm0 >"$TW/ak2.pem" 2>>"$TW/ak.err" &&
	   cmp -s "$TW/ak.pem" "$TW/ak2.pem" &&
	   openssl pkey -pubin -in "$TW/ak.pem" -noout -text 2>&1 | grep -q 'NIST CURVE: P-256'; then
		tap_ok "attest-tpm: tpm-ak writes the AK, a P-256 PEM public key, the same on every call"
	else
		tap_not_ok "attest-tpm: tpm-ak writes the AK, a P-256 PEM public key, the same on every call" \
			"$(cat "$TW/ak.err" "$TW/ak.pem")"
	fi
	out=$("$NOJIT" attest tpm-ak --tpm /dev/null 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == "nojit: attest tpm-ak: TPM /dev/null: "* ]]; then
		tap_ok "attest-tpm: tpm-ak on something that is not a TPM fails, naming it"
	else
		tap_not_ok "attest-tpm: tpm-ak on something that is not a TPM fails, naming it" "exit $rc: $out"
	fi

	# --- a bound statement --------------------------------------------------
	t0=$EPOCHREALTIME
	"$NOJIT" attest --nonce "$N1" --key "$AKEY" --no-tpm -o "$TW/plain.json" 2>"$TW/plain.err"
	ms_plain=$(ms_since "$t0")
	t0=$EPOCHREALTIME
	"$NOJIT" attest --nonce "$N1" --key "$AKEY" --tpm -o "$TW/s1.json" 2>"$TW/s1.err"
	rc=$?
	ms_tpm=$(ms_since "$t0")
	echo "# attest: $ms_plain ms without the TPM, $ms_tpm ms with the quote"
	tpm2_pcrread -Q -o "$TW/pcr23.now" sha256:23 2>>"$TW/s1.err"
	if [ $rc -eq 0 ] && "$TQ" split "$TW/s1.json" "$TW" 2>>"$TW/s1.err" &&
	   [ "$(<"$TW/pcr")" = 23 ] && cmp -s "$TW/pcr.bin" "$TW/pcr23.now"; then
		tap_ok "attest-tpm: --tpm adds a tpmQuote over PCR 23, whose pcrAfter is PCR 23 now"
	else
		tap_not_ok "attest-tpm: --tpm adds a tpmQuote over PCR 23, whose pcrAfter is PCR 23 now" \
			"exit $rc" "$(cat "$TW/s1.err" "$TW/s1.json")"
	fi
	tap_check "attest-tpm: pcrAfter is pcrBefore extended with the payload's SHA-256 (python)" \
		"$TQ" chain "$TW/s1.json"
	tap_check "attest-tpm: tpm2_checkquote accepts the quote (AK, nonce, PCR 23 = pcrAfter)" \
		checkquote "$TW" "$TW/ak.pem" "$N1"
	if ! checkquote "$TW" "$TW/ak.pem" "$N2" >"$TW/cq.out" 2>&1; then
		tap_ok "attest-tpm: tpm2_checkquote refuses the quote for another nonce"
	else
		tap_not_ok "attest-tpm: tpm2_checkquote refuses the quote for another nonce" "$(cat "$TW/cq.out")"
	fi
	"$NOJIT" attest --nonce "$N1" --key "$AKEY" -o "$TW/s0.json" 2>"$TW/s0.err"
	if python3 -c 'import json,sys; sys.exit("tpmQuote" not in json.load(open(sys.argv[1])))' "$TW/s0.json"; then
		tap_ok "attest-tpm: with /dev/tpmrm0 present, a statement is bound to the TPM by default"
	else
		tap_not_ok "attest-tpm: with /dev/tpmrm0 present, a statement is bound to the TPM by default" \
			"$(cat "$TW/s0.err" "$TW/s0.json")"
	fi
	mkdir -p "$TW/p16"
	if "$NOJIT" attest --nonce "$N1" --key "$AKEY" --tpm --tpm-pcr 16 -o "$TW/s16.json" 2>"$TW/s16.err" &&
	   "$TQ" split "$TW/s16.json" "$TW/p16" && [ "$(<"$TW/p16/pcr")" = 16 ] &&
	   checkquote "$TW/p16" "$TW/ak.pem" "$N1" >/dev/null 2>&1; then
		tap_ok "attest-tpm: --tpm-pcr 16 quotes PCR 16"
	else
		tap_not_ok "attest-tpm: --tpm-pcr 16 quotes PCR 16" "$(cat "$TW/s16.err")"
	fi
	out=$("$NOJIT" attest --nonce "$N1" --key "$AKEY" --tpm --tpm-pcr 7 -o "$TW/s7.json" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"PCR 7: only 16 (debug) or 23 (application)"* ]] && [ ! -e "$TW/s7.json" ]; then
		tap_ok "attest-tpm: a boot-measurement PCR (7) is refused, nothing written"
	else
		tap_not_ok "attest-tpm: a boot-measurement PCR (7) is refused, nothing written" "exit $rc: $out"
	fi

	# --- another AK -----------------------------------------------------------
	# The same kind of key (restricted ECDSA P-256) in the owner hierarchy:
	# a TPM-made quote, for the same PCR and nonce, by a key that is not the AK.
	mkdir -p "$TW/other"
	if tpm2_createprimary -Q -C o -G ecc256:ecdsa-sha256:null -g sha256 \
		-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign' \
		-c "$TW/other/key.ctx" 2>"$TW/other.err" &&
	   tpm2_readpublic -Q -c "$TW/other/key.ctx" -f pem -o "$TW/other/key.pem" 2>>"$TW/other.err" &&
	   tpm2_quote -Q -c "$TW/other/key.ctx" -l sha256:23 -q "$N1" -g sha256 \
		-m "$TW/other/attest.bin" -s "$TW/other/signature.bin" 2>>"$TW/other.err"; then
		tpm2_pcrread -Q -o "$TW/other/pcr.bin" sha256:23
		echo 23 >"$TW/other/pcr"
		if checkquote "$TW/other" "$TW/other/key.pem" "$N1" >/dev/null 2>&1 &&
		   ! checkquote "$TW/other" "$TW/ak.pem" "$N1" >/dev/null 2>&1; then
			tap_ok "attest-tpm: a quote by another TPM key verifies with that key only, not the AK"
		else
			tap_not_ok "attest-tpm: a quote by another TPM key verifies with that key only, not the AK"
		fi
	else
		tap_not_ok "attest-tpm: a quote by another TPM key (tpm2-tools)" "$(cat "$TW/other.err")"
	fi

	# --- nojit attest verify --tpm-ak ---------------------------------------
	APUB=$TW/keys/attest.pub
	# verify ENVELOPE NONCE [ARGS...]: nojit attest verify against the AK; its output in $TW/v.out.
	verify() {
		local env=$1 n=$2
		shift 2
		"$NOJIT" attest verify --trust "$APUB" --nonce "$n" "$@" "$env" >"$TW/v.out" 2>&1
	}
	# refused DESC ENVELOPE NONCE WHY: verify with the AK exits 1, the tpm check saying WHY.
	refused() {
		local desc=$1 env=$2 n=$3 why=$4 rc
		verify "$env" "$n" --tpm-ak "$TW/ak.pem"
		rc=$?
		if [ $rc -eq 1 ] && grep -qF "tpm: $why" "$TW/v.out"; then
			tap_ok "attest-tpm: verify refuses $desc"
		else
			tap_not_ok "attest-tpm: verify refuses $desc" "exit $rc, want 1 and 'tpm: $why'" "$(cat "$TW/v.out")"
		fi
	}

	t0=$EPOCHREALTIME
	verify "$TW/s1.json" "$N1" --tpm-ak "$TW/ak.pem"
	rc=$?
	echo "# attest verify --tpm-ak: $(ms_since "$t0") ms"
	if [ $rc -eq 0 ] && grep -q "tpm quote   verified: PCR 23" "$TW/v.out"; then
		tap_ok "attest-tpm: verify --tpm-ak accepts the bound statement"
	else
		tap_not_ok "attest-tpm: verify --tpm-ak accepts the bound statement" "exit $rc" "$(cat "$TW/v.out")"
	fi
	verify "$TW/s1.json" "$N1"
	rc=$?
	if [ $rc -eq 0 ] && grep -q "tpm quote   not checked" "$TW/v.out"; then
		tap_ok "attest-tpm: verify without --tpm-ak says the TPM was not checked"
	else
		tap_not_ok "attest-tpm: verify without --tpm-ak says the TPM was not checked" "exit $rc" "$(cat "$TW/v.out")"
	fi
	refused "a statement with no quote when --tpm-ak is given" "$TW/plain.json" "$N1" "the envelope has no tpmQuote"

	# The attacker holds the node's attestation key (root on the node) but
	# not its TPM: a new statement for the verifier's nonce, signed
	# properly, with a quote taken from another statement.
	"$NOJIT" attest --nonce "$N2" --key "$AKEY" --tpm -o "$TW/s2.json" 2>"$TW/s2.err" ||
		die "attest for nonce N2: $(cat "$TW/s2.err")"
	"$NOJIT" attest --nonce "$N2" --key "$AKEY" --no-tpm -o "$TW/plain2.json" 2>>"$TW/s2.err" ||
		die "attest --no-tpm for nonce N2: $(cat "$TW/s2.err")"
	"$TQ" splice "$TW/s1.json" "$TW/plain2.json" "$TW/replay.json"
	refused "a quote made for another nonce" "$TW/replay.json" "$N2" \
		"tpmQuote: the quote's qualifying data is not the nonce"
	"$NOJIT" attest --nonce "$N1" --key "$AKEY" --no-tpm -o "$TW/changed.json" 2>>"$TW/s2.err" ||
		die "attest --no-tpm for nonce N1: $(cat "$TW/s2.err")"
	"$TQ" splice "$TW/s1.json" "$TW/changed.json" "$TW/changed-q.json"
	if cmp -s <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["payload"])' "$TW/s1.json") \
		  <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["payload"])' "$TW/changed.json"); then
		tap_not_ok "attest-tpm: verify refuses a changed statement with the old quote" "the two statements are identical"
	else
		refused "a changed statement with the old quote" "$TW/changed-q.json" "$N1" \
			"tpmQuote: pcrAfter is not pcrBefore extended with the statement's digest"
	fi
	# pcrBefore swapped for another value (here: what the PCR held after s1,
	# a value the verifier might have seen).
	"$TQ" set "$TW/s2.json" pcrBefore "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tpmQuote"]["pcrAfter"])' "$TW/s2.json")" "$TW/swapped.json"
	refused "a swapped pcrBefore" "$TW/swapped.json" "$N2" \
		"tpmQuote: pcrAfter is not pcrBefore extended with the statement's digest"
	# The other TPM key's quote over PCR 23 with the right nonce, in place of the AK's.
	if [ -s "$TW/other/attest.bin" ]; then
		"$TQ" set "$TW/s1.json" attest "@$TW/other/attest.bin" "$TW/o1.json" &&
			"$TQ" set "$TW/o1.json" signature "@$TW/other/signature.bin" "$TW/o2.json" &&
			python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); del e["tpmQuote"]["akPublicSha256"]; open(sys.argv[2],"w").write(json.dumps(e))' \
				"$TW/o2.json" "$TW/other-ak.json"
		refused "a quote signed by another TPM key" "$TW/other-ak.json" "$N1" \
			"tpmQuote: the signature does not verify with the given AK"
	else
		tap_not_ok "attest-tpm: verify refuses a quote signed by another TPM key" "no quote by another key (see above)"
	fi
	verify "$TW/s1.json" "$N1" --tpm-ak "$TW/other/key.pem"
	rc=$?
	if [ $rc -eq 1 ] && grep -qF "tpm: tpmQuote: made with the AK sha256:" "$TW/v.out"; then
		tap_ok "attest-tpm: verify refuses the statement checked against another TPM key as the AK"
	else
		tap_not_ok "attest-tpm: verify refuses the statement checked against another TPM key as the AK" \
			"exit $rc" "$(cat "$TW/v.out")"
	fi

	# --- a vk run statement, bound on request ---------------------------------
	VKB=$BUILD/vk-test
	out=$("$NOJIT" vk run --trust "$VKB/keys/nojit.pub" --attest-key "$AKEY" --nonce "$N2" \
		--attest-out "$TW/vk.json" --attest-tpm "$VKB/bin/app" -- hello tpm 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [[ $out == *"hello from hello"* ]] && verify "$TW/vk.json" "$N2" --type vk-run --tpm-ak "$TW/ak.pem" &&
	   grep -q 'tpm quote' "$TW/v.out" && ! verify "$TW/vk.json" "$N1" --type vk-run --tpm-ak "$TW/ak.pem"; then
		tap_ok "attest-tpm: vk run --attest-tpm binds the run's statement; it verifies with the AK for its nonce only"
	else
		tap_not_ok "attest-tpm: vk run --attest-tpm binds the run's statement; it verifies with the AK for its nonce only" \
			"exit $rc" "$out" "$(cat "$TW/v.out")"
	fi
fi
