"""dreadnought: a Dread/Reddit-like forum. /d/<board> lists posts (``?page=N``); a post page
carries nested ``div.comment`` elements with ``data-author``."""

from __future__ import annotations

from datetime import datetime

from demosites.forum_sim import BOARDS
from demosites.markup import Page, doc, esc, page, pager, pages_of
from demosites.model import ForumPost, ForumThread

POSTS_PER_PAGE = 4


def dread_time(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


def _frame(title: str, main: str) -> str:
    boards = "".join(f'<li><a href="/d/{b}">/d/{b}</a></li>' for b, _ in BOARDS["dreadnought"])
    body = (f'<header><a href="/" class="logo">dreadnought</a></header><div class="layout">'
            f'<div class="content">{main}</div><div class="sidebar"><h4>Subdreads</h4>'
            f"<ul>{boards}</ul></div></div>")
    return doc(f"{title} - dreadnought", body)


def _comment(post: ForumPost, children: dict[str | None, list[ForumPost]]) -> str:
    kids = "".join(_comment(c, children) for c in children.get(post.post_id, []))
    return (f'<div class="comment" id="c{post.post_id}" data-id="{post.post_id}" '
            f'data-author="{esc(post.author)}"><div class="commentHead">'
            f'<a class="username">/u/{esc(post.author)}</a> <span class="time">'
            f'{dread_time(post.posted_at)}</span></div><div class="commentBody">{esc(post.body)}'
            f"</div>{kids}</div>")


def _thread_page(thread: ForumThread, week: int) -> str:
    posts = thread.posts_at(week)
    op, replies = posts[0], posts[1:]
    children: dict[str | None, list[ForumPost]] = {}
    for post in replies:
        children.setdefault(post.parent, []).append(post)
    comments = "".join(_comment(c, children) for c in children.get(None, []))
    return (f'<div class="postMain" data-id="{thread.thread_id}">'
            f'<div class="postTitle"><a href="/d/{thread.board}">/d/{thread.board}</a> &middot; '
            f"<h1>{esc(thread.title)}</h1></div>"
            f'<div class="postContent" data-id="{op.post_id}" data-author="{esc(op.author)}">'
            f'<div class="postMeta">submitted {dread_time(op.posted_at)} by '
            f'<a class="username">/u/{esc(op.author)}</a></div>'
            f'<div class="postBody">{esc(op.body)}</div></div>'
            f'<div class="comments"><h3>{len(replies)} comments</h3>{comments}</div></div>')


def render(threads: list[ForumThread], week: int) -> dict[str, Page]:
    """Every page of dreadnought for this week."""
    out: dict[str, Page] = {}
    rows = []
    for board, title in BOARDS["dreadnought"]:
        mine = [t for t in threads if t.board == board]
        rows.append(f'<div class="board"><a href="/d/{board}">/d/{board}</a> '
                    f"<span>{esc(title)}</span> <span>{len(mine)} posts</span></div>")
        n = pages_of(list(mine), POSTS_PER_PAGE)
        links = [(i, f"/d/{board}" + (f"?page={i}" if i > 1 else "")) for i in range(1, n + 1)]
        for num, path in links:
            chunk = mine[(num - 1) * POSTS_PER_PAGE: num * POSTS_PER_PAGE]
            items = "".join(
                f'<div class="postBoard"><a class="title" href="/d/{board}/post/{t.thread_id}">'
                f'{esc(t.title)}</a> <span class="author">/u/{esc(t.posts[0].author)}</span> '
                f'<span class="time">{dread_time(t.posts[0].posted_at)}</span> '
                f"<span>{len(t.posts_at(week)) - 1} comments</span></div>" for t in chunk)
            main = f"<h2>/d/{board}</h2>{items or '<p>Nothing here</p>'}{pager(links, num)}"
            out[path] = page(_frame(f"/d/{board}", main))
    out["/"] = page(_frame("Front page", "".join(rows)))
    for thread in threads:
        out[f"/d/{thread.board}/post/{thread.thread_id}"] = page(
            _frame(thread.title, _thread_page(thread, week)))
    return out
