// SPDX-License-Identifier: GPL-2.0
/* A vk run's statement (controller/attest_vk.c): digests, module lookup, the predicate's shape. */
#include <criterion/criterion.h>
#include <string.h>

#include "attest_vk.h"
#include "confine.h"

static struct vk_trailer t;

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	t.version = VK_TRAILER_VERSION;
	t.n_modules = 2;
	t.image_len = 1234;
	snprintf(t.key_id, sizeof(t.key_id), "0123456789abcdef");
	snprintf(t.modules[0].name, VK_NAME_MAX, "hello");
	memset(t.modules[0].wasm_sha256, 0x11, 32);
	snprintf(t.modules[1].name, VK_NAME_MAX, "wc");
	memset(t.modules[1].wasm_sha256, 0x22, 32);
}

TestSuite(attest_vk, .init = setup);

static void hex(const __u8 d[32], char out[65])
{
	hex_encode(d, 32, out);
}

Test(attest_vk, strings_digest_is_each_string_nul_terminated)
{
	char *two[] = { "a", "bc" }, *joined[] = { "abc" };
	__u8 d[32], e[32];
	char h[65];

	/* printf 'a\0bc\0' | sha256sum */
	attest_vk_strings_sha256(two, 2, d);
	hex(d, h);
	cr_assert_str_eq(h, "aa795aa4bbb6117911ef062e271bcb05ccfd58ea439da7d46a44e3a3fcefa790");
	/* Where the arguments split is part of the digest. */
	attest_vk_strings_sha256(joined, 1, e);
	cr_assert_neq(memcmp(d, e, 32), 0);
	attest_vk_strings_sha256(NULL, 0, d);
	hex(d, h);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(attest_vk, module_find_matches_whole_names_only)
{
	cr_assert_eq(attest_vk_module_find(&t, "wc"), &t.modules[1]);
	cr_assert_null(attest_vk_module_find(&t, "w"));
	cr_assert_null(attest_vk_module_find(&t, "hello2"));
	cr_assert_null(attest_vk_module_find(&t, ""));
}

Test(attest_vk, statement_names_every_module_and_the_gate)
{
	struct nojit_manifest_entry entry = { .kind = NOJIT_KIND_ANY, .path = "/bin/app" };
	struct nojit_manifest gate = { .name = "vk run", .mode = NOJIT_MODE_ENFORCE, .entries = &entry,
				       .n_entries = 1, .key_id = "0123456789abcdef" };
	struct nojit_pubkey tk = { .id = "0123456789abcdef" }, ak = { .id = "fedcba9876543210" };
	struct nojit_trust trust = { .keys = &tk, .n_keys = 1 };
	struct attest_nonce nonce;
	struct nojit_err err;
	char *argv[] = { "wc", "-l" };
	__u8 sha[32] = { 0xaa };
	struct json_object *st, *p, *o;

	cr_assert_eq(attest_nonce_parse("00112233445566778899aabb", &nonce, &err), 0, "%s", err.msg);
	struct attest_vk_run r = {
		.app_path = "/bin/app", .app_sha256 = sha, .trailer = &t, .started = &t.modules[1],
		.argv = argv, .argc = 2, .trust_path = "/etc/nojit/trust", .trust = &trust,
		.layers = CONFINE_NNP | CONFINE_BPF_LSM, .gate = &gate, .cgroup = "/sys/fs/cgroup/nojit-run/x",
		.cgroup_id = 42, .hash_source = NOJIT_HASH_SOURCE_IMA, .nonce = &nonce, .attest_key = &ak,
		.now_ns = 1000000000,
	};

	st = attest_vk_statement(&r);
	cr_assert_not_null(st);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(st, "predicateType")),
			 ATTEST_PREDICATE_VK_RUN);
	/* The megabinary, then each module. */
	cr_assert_eq(json_object_array_length(json_object_object_get(st, "subject")), 3);
	o = json_object_array_get_idx(json_object_object_get(st, "subject"), 2);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(o, "name")), "module:wc");
	p = json_object_object_get(st, "predicate");
	cr_assert_str_eq(json_object_get_string(json_object_object_get(p, "time")),
			 "1970-01-01T00:00:01.000000000Z");
	o = json_object_object_get(p, "started");
	cr_assert_str_eq(json_object_get_string(json_object_object_get(o, "name")), "wc");
	cr_assert_eq(json_object_get_int(json_object_object_get(o, "argc")), 2);
	o = json_object_object_get(json_object_object_get(p, "gate"), "hashGate");
	cr_assert(json_object_get_boolean(json_object_object_get(o, "active")));
	cr_assert_eq(json_object_get_uint64(json_object_object_get(o, "cgroupId")), 42);
	o = json_object_object_get(o, "manifest");
	/* Present and null: vk run's own manifest has no signed bytes. */
	cr_assert(json_object_object_get_ex(o, "sha256", NULL));
	cr_assert_null(json_object_object_get(o, "sha256"));
	json_object_put(st);

	/* Without the gate (no bpf-lsm), only "active": false. */
	r.gate = NULL;
	r.cgroup_id = 0;
	st = attest_vk_statement(&r);
	cr_assert_not_null(st);
	o = json_object_object_get(json_object_object_get(json_object_object_get(st, "predicate"), "gate"),
				   "hashGate");
	cr_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), "{\"active\":false}");
	json_object_put(st);
}

Test(attest_vk, statement_without_a_started_module_is_refused)
{
	struct attest_vk_run r = { .app_path = "/bin/app", .trailer = &t, .now_ns = 1 };

	errno = 0;
	cr_assert_null(attest_vk_statement(&r));
	cr_assert_eq(errno, EINVAL);
}
