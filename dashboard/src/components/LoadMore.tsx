import type { PagedList } from "../paged-list";

/** "Load more" under a paged list, while there is more. */
export function LoadMore<T>(props: { list: PagedList<T> }) {
  const { list } = props;
  if (!list.hasMore && list.loadMoreError === null) return null;
  return (
    <div class="load-more">
      {list.loadMoreError === null ? null : (
        <p class="alert error" role="alert">
          Could not load more: {list.loadMoreError}
        </p>
      )}
      {list.hasMore ? (
        <button
          type="button"
          class="button"
          aria-disabled={list.loadingMore}
          aria-busy={list.loadingMore}
          onClick={list.loadMore}
        >
          Load more
        </button>
      ) : null}
    </div>
  );
}
