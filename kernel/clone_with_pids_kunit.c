// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the Rust core of clone_with_pids(): how a caller's pid set
 * maps onto the youngest-first array alloc_pid() consumes, how both layouts
 * of struct target_pid_set decode, and how the entry point treats pointers
 * it need not or cannot read.
 */

#include <kunit/test.h>
#include <linux/clone_with_pids.h>

#define TEST_PID_MAX 1000

struct map_case {
	const char *name;
	pid_t wanted[CLONE_WITH_PIDS_MAX];
	size_t num;
	size_t addressable;
	size_t alloc_level;
	int result;
	pid_t set_tid[CLONE_WITH_PIDS_MAX];
};

static const struct map_case map_cases[] = {
	{ "full set at level 2", { 10, 20, 30 }, 3, 3, 2, 3, { 30, 20, 10 } },
	{ "fewer pids apply to the youngest levels", { 20, 30 }, 2, 3, 2, 2,
	  { 30, 20 } },
	{ "a 0 entry leaves a level to the kernel", { 10, 0, 30 }, 3, 3, 2, 3,
	  { 30, 0, 10 } },
	{ "leading 0 entries are not passed on", { 0, 0, 30 }, 3, 3, 2, 1,
	  { 30 } },
	{ "only 0 entries make a plain clone", { 0, 0 }, 2, 3, 2, 0, { } },
	{ "a namespace without init takes no entry", { 10, 20 }, 2, 2, 2, 3,
	  { 0, 20, 10 } },
	{ "one pid at level 0", { 7 }, 1, 1, 0, 1, { 7 } },
	{ "more pids than levels", { 1, 2, 3 }, 3, 2, 1, -EINVAL, { } },
	{ "a negative pid", { 10, -1 }, 2, 2, 1, -EINVAL, { } },
	{ "a pid equal to pid_max", { TEST_PID_MAX }, 1, 1, 0, -EINVAL, { } },
	{ "the largest pid below pid_max", { TEST_PID_MAX - 1 }, 1, 1, 0, 1,
	  { TEST_PID_MAX - 1 } },
	{ "levels beyond the allocation level", { 1 }, 1, 3, 1, -EINVAL, { } },
	{ "levels beyond the allocation level, 0 entries only", { 0 }, 1, 3,
	  1, -EINVAL, { } },
};

static void map_case_desc(const struct map_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map, map_cases, map_case_desc);

static void map_pids_test(struct kunit *test)
{
	const struct map_case *c = test->param_value;
	pid_t set_tid[CLONE_WITH_PIDS_MAX];
	int i, ret;

	memset(set_tid, 0xff, sizeof(set_tid));
	ret = clone_with_pids_test_map(c->wanted, c->num, c->addressable,
				       c->alloc_level, TEST_PID_MAX, set_tid,
				       ARRAY_SIZE(set_tid));
	KUNIT_ASSERT_EQ(test, ret, c->result);
	for (i = 0; i < ret; i++)
		KUNIT_EXPECT_EQ_MSG(test, set_tid[i], c->set_tid[i],
				    "set_tid[%d]", i);
	/* Nothing is written beyond the entries handed to alloc_pid(). */
	for (i = max(ret, 0); i < ARRAY_SIZE(set_tid); i++)
		KUNIT_EXPECT_EQ_MSG(test, set_tid[i], -1, "set_tid[%d]", i);
}

/* The deepest nesting: 33 levels, every pid given. */
static void map_deepest_test(struct kunit *test)
{
	pid_t wanted[CLONE_WITH_PIDS_MAX], set_tid[CLONE_WITH_PIDS_MAX];
	int i, ret;

	for (i = 0; i < CLONE_WITH_PIDS_MAX; i++)
		wanted[i] = 100 + i;
	ret = clone_with_pids_test_map(wanted, ARRAY_SIZE(wanted),
				       CLONE_WITH_PIDS_MAX, MAX_PID_NS_LEVEL,
				       TEST_PID_MAX, set_tid,
				       ARRAY_SIZE(set_tid));
	KUNIT_ASSERT_EQ(test, ret, CLONE_WITH_PIDS_MAX);
	for (i = 0; i < CLONE_WITH_PIDS_MAX; i++)
		KUNIT_EXPECT_EQ(test, set_tid[i],
				wanted[CLONE_WITH_PIDS_MAX - 1 - i]);
}

/*
 * CLONE_NEWPID below the deepest level: the set maps, with the new
 * namespace's 0 entry in the extra slot, and copy_process() then fails
 * with ENOSPC.
 */
static void map_below_deepest_test(struct kunit *test)
{
	pid_t wanted[CLONE_WITH_PIDS_MAX], set_tid[CLONE_WITH_PIDS_SET_TID_MAX];
	int i, ret;

	for (i = 0; i < CLONE_WITH_PIDS_MAX; i++)
		wanted[i] = 100 + i;
	ret = clone_with_pids_test_map(wanted, ARRAY_SIZE(wanted),
				       CLONE_WITH_PIDS_MAX,
				       MAX_PID_NS_LEVEL + 1, TEST_PID_MAX,
				       set_tid, ARRAY_SIZE(set_tid));
	KUNIT_ASSERT_EQ(test, ret, CLONE_WITH_PIDS_SET_TID_MAX);
	KUNIT_EXPECT_EQ(test, set_tid[0], 0);
	for (i = 1; i < CLONE_WITH_PIDS_SET_TID_MAX; i++)
		KUNIT_EXPECT_EQ(test, set_tid[i],
				wanted[CLONE_WITH_PIDS_MAX - i]);
}

/* The core never writes past the array it is given. */
static void map_short_array_test(struct kunit *test)
{
	pid_t wanted[] = { 1, 2, 3 }, set_tid[2];

	KUNIT_EXPECT_EQ(test,
			clone_with_pids_test_map(wanted, ARRAY_SIZE(wanted), 3,
						 2, TEST_PID_MAX, set_tid,
						 ARRAY_SIZE(set_tid)),
			-EINVAL);
}

static void decode_native_test(struct kunit *test)
{
	struct {
		int num_pids;
		u32 pad;
		u64 target_pids;
	} set = { 3, 0xdeadbeef, 0x1122334455667788ULL };
	unsigned long target_pids;
	int num_pids;

	BUILD_BUG_ON(sizeof(set) != 16);
	clone_with_pids_test_decode((const u8 *)&set, false, &num_pids,
				    &target_pids);
	KUNIT_EXPECT_EQ(test, num_pids, 3);
	KUNIT_EXPECT_EQ(test, target_pids, 0x1122334455667788UL);
}

static void decode_compat_test(struct kunit *test)
{
	struct {
		int num_pids;
		u32 target_pids;
		u64 beyond;
	} set = { -2, 0x8badf00d, ~0ULL };
	unsigned long target_pids;
	int num_pids;

	clone_with_pids_test_decode((const u8 *)&set, true, &num_pids,
				    &target_pids);
	KUNIT_EXPECT_EQ(test, num_pids, -2);
	KUNIT_EXPECT_EQ(test, target_pids, 0x8badf00dUL);
}

/*
 * No set is a plain clone(): nothing is read, no entry is handed on and
 * none is written.
 */
static void prepare_null_test(struct kunit *test)
{
	pid_t set_tid[CLONE_WITH_PIDS_SET_TID_MAX];
	int i;

	memset(set_tid, 0xff, sizeof(set_tid));
	KUNIT_EXPECT_EQ(test,
			clone_with_pids_prepare(NULL, false, set_tid,
						ARRAY_SIZE(set_tid)),
			0);
	for (i = 0; i < ARRAY_SIZE(set_tid); i++)
		KUNIT_EXPECT_EQ_MSG(test, set_tid[i], -1, "set_tid[%d]", i);
}

/* A pointer that is not a user address fails with EFAULT. */
static void prepare_kernel_pointer_test(struct kunit *test)
{
	struct target_pid_set set = { .num_pids = 1 };
	pid_t set_tid[CLONE_WITH_PIDS_MAX];

	KUNIT_EXPECT_EQ(test,
			clone_with_pids_prepare((void __force __user *)&set,
						false, set_tid,
						ARRAY_SIZE(set_tid)),
			-EFAULT);
}

static struct kunit_case clone_with_pids_test_cases[] = {
	KUNIT_CASE_PARAM(map_pids_test, map_gen_params),
	KUNIT_CASE(map_deepest_test),
	KUNIT_CASE(map_below_deepest_test),
	KUNIT_CASE(map_short_array_test),
	KUNIT_CASE(decode_native_test),
	KUNIT_CASE(decode_compat_test),
	KUNIT_CASE(prepare_null_test),
	KUNIT_CASE(prepare_kernel_pointer_test),
	{}
};

static struct kunit_suite clone_with_pids_test_suite = {
	.name = "clone_with_pids",
	.test_cases = clone_with_pids_test_cases,
};

kunit_test_suite(clone_with_pids_test_suite);
