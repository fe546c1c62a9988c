/* stack/pkb.c — the packet-buffer pool: one allocation at start, a free list, an in-use count. */
#include "stack/pkb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pkb_pool_init(struct pkb_pool *pool, unsigned count)
{
	size_t stride = PKB_SIZE;
	pool->mem = calloc(count, stride);
	if (!pool->mem)
		return -ENOMEM;
	pool->free = NULL;
	pool->count = count;
	pool->in_use = 0;
	pool->heap_in_use = 0;
	for (unsigned i = count; i-- > 0;) {
		struct pkb *p = (struct pkb *)((uint8_t *)pool->mem + (size_t)i * stride);
		p->cap = (uint32_t)(stride - sizeof(struct pkb));
		p->next = pool->free;
		pool->free = p;
	}
	return 0;
}

void pkb_pool_destroy(struct pkb_pool *pool)
{
	free(pool->mem);
	pool->mem = NULL;
	pool->free = NULL;
}

struct pkb *pkb_alloc(struct pkb_pool *pool, size_t size)
{
	struct pkb *p;

	if (size + PKB_HEADROOM <= PKB_SIZE - sizeof(struct pkb)) {
		p = pool->free;
		if (!p)
			return NULL;
		pool->free = p->next;
		p->flags = 0;
	} else {
		/* Reassembled datagrams and their replies: rare, bounded by the reassembly memory limit. */
		p = malloc(sizeof(*p) + PKB_HEADROOM + size);
		if (!p)
			return NULL;
		p->cap = (uint32_t)(PKB_HEADROOM + size);
		p->flags = PKB_HEAP;
		pool->heap_in_use++;
	}
	pool->in_use++;
	p->next = NULL;
	p->data = p->buf + PKB_HEADROOM;
	p->len = 0;
	p->ifindex = 0;
	p->iif = PKB_IIF_NONE;
	p->family = 0;
	memset(p->cb, 0, sizeof(p->cb));
	return p;
}

void pkb_free(struct pkb_pool *pool, struct pkb *p)
{
	if (!p)
		return;
	pool->in_use--;
	if (p->flags & PKB_HEAP) {
		pool->heap_in_use--;
		free(p);
		return;
	}
	p->next = pool->free;
	pool->free = p;
}

void pkb_queue_purge(struct pkb_pool *pool, struct pkb_queue *q)
{
	struct pkb *p;
	while ((p = pkb_queue_pop(q)))
		pkb_free(pool, p);
}
