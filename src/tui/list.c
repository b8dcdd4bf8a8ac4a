/* list.c - the one list/tree widget: a cursor that follows a row id,
 * scrolling, and a draw loop over the pane's row callback. Panes (queue,
 * endpoints, process tree, timeline, report preview) keep their rows and
 * draw them; indentation and folding of trees is theirs too. */
#include "tui/tui.h"

static void clamp(struct lw *l, size_t count)
{
	if (count == 0) {
		l->cur = l->top = 0;
		return;
	}
	if (l->cur >= count)
		l->cur = count - 1;
	if (l->top > l->cur)
		l->top = l->cur;
	size_t h = l->h > 0 ? (size_t)l->h : 1;
	if (l->cur >= l->top + h)
		l->top = l->cur - h + 1;
	if (l->top + h > count)
		l->top = count > h ? count - h : 0;
}

void lw_move(struct lw *l, long delta, size_t count, lw_id_fn id, void *ctx)
{
	if (count == 0)
		return;
	long c = (long)l->cur + delta;
	if (c < 0)
		c = 0;
	if (c >= (long)count)
		c = (long)count - 1;
	l->cur = (size_t)c;
	clamp(l, count);
	l->cur_id = id != NULL ? id(ctx, l->cur) : (int64_t)l->cur;
}

void lw_home(struct lw *l, size_t count, lw_id_fn id, void *ctx, int end)
{
	l->cur = end && count > 0 ? count - 1 : 0;
	if (!end)
		l->top = 0;
	clamp(l, count);
	if (count > 0)
		l->cur_id = id != NULL ? id(ctx, l->cur) : (int64_t)l->cur;
}

void lw_keep(struct lw *l, size_t count, lw_id_fn id, void *ctx)
{
	if (id != NULL && l->cur_id != 0) {
		/* the row is most often where it was, or near */
		size_t lo = l->cur > 64 ? l->cur - 64 : 0;
		for (size_t i = lo; i < count && i < l->cur + 64; i++)
			if (id(ctx, i) == l->cur_id) {
				l->cur = i;
				clamp(l, count);
				return;
			}
		for (size_t i = 0; i < count; i++)
			if (id(ctx, i) == l->cur_id) {
				l->cur = i;
				clamp(l, count);
				return;
			}
	}
	clamp(l, count);
	if (count > 0 && id != NULL)
		l->cur_id = id(ctx, l->cur);
}

void lw_draw(struct app *a, struct lw *l, int y, int x, int h, int w,
             size_t count, lw_row_fn row, void *ctx)
{
	l->h = h;
	clamp(l, count);
	for (int r = 0; r < h; r++) {
		size_t i = l->top + (size_t)r;
		if (i >= count)
			break;
		row(a, ctx, i, y + r, x, w, i == l->cur);
	}
}
