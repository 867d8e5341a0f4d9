"""the-hive: a phpBB-like forum. index.php -> viewforum.php?f= -> viewtopic.php?t=, with
``start`` offsets for pagination and relative "./" links as phpBB writes them."""

from __future__ import annotations

from datetime import datetime

from demosites.forum_sim import BOARDS
from demosites.markup import Page, doc, esc, page, pager, pages_of
from demosites.model import ForumPost, ForumThread

TOPICS_PER_PAGE = 4
POSTS_PER_PAGE = 5


def phpbb_time(iso: str) -> str:
    """"Mon May 04, 2026 3:12 pm", phpBB's default date format."""
    when = datetime.fromisoformat(iso)
    return when.strftime("%a %b %d, %Y ") + when.strftime("%I:%M %p").lstrip("0").lower()


def _frame(title: str, crumbs: str, main: str) -> str:
    body = (f'<div id="wrap"><div class="headerbar"><h1>The Hive</h1>'
            f"<p>Harm reduction &amp; discussion since 2014</p></div>"
            f'<div class="navbar"><a href="./index.php">Board index</a>{crumbs}</div>'
            f'<div id="page-body">{main}</div></div>')
    return doc(f"{title} - The Hive", body)


def _post(post: ForumPost, title: str, first: bool) -> str:
    subject = esc(title) if first else f"Re: {esc(title)}"
    return (f'<div id="p{post.post_id}" class="post bg2"><div class="inner">'
            f'<div class="postbody"><h3><a href="#p{post.post_id}">{subject}</a></h3>'
            f'<p class="author">by <strong><span class="username">{esc(post.author)}</span>'
            f'</strong> &raquo; <span class="time">{phpbb_time(post.posted_at)}</span></p>'
            f'<div class="content">{esc(post.body)}</div></div></div></div>')


def render(threads: list[ForumThread], week: int) -> dict[str, Page]:
    """Every page of the-hive for this week (``threads`` are the visible ones)."""
    out: dict[str, Page] = {}
    rows = []
    for board_id, board_title in BOARDS["the-hive"]:
        mine = [t for t in threads if t.board == board_id]
        rows.append(f'<li class="row"><a href="./viewforum.php?f={board_id}" class="forumtitle">'
                    f"{esc(board_title)}</a> <dd class=\"topics\">{len(mine)}</dd></li>")
        _board(out, board_id, board_title, mine, week)
    index = _frame("Index page", "", f'<ul class="topiclist forums">{"".join(rows)}</ul>')
    out["/index.php"] = page(index)
    out["/"] = page(index)
    for thread in threads:
        _topic(out, thread, week)
    return out


def _board(out: dict[str, Page], board_id: str, title: str, mine: list[ForumThread],
           week: int) -> None:
    n = pages_of(list(mine), TOPICS_PER_PAGE)
    links = [(i, f"./viewforum.php?f={board_id}"
              + (f"&start={(i - 1) * TOPICS_PER_PAGE}" if i > 1 else "")) for i in range(1, n + 1)]
    for num, href in links:
        chunk = mine[(num - 1) * TOPICS_PER_PAGE: num * TOPICS_PER_PAGE]
        items = "".join(
            f'<li class="row"><a href="./viewtopic.php?t={t.thread_id}" class="topictitle">'
            f"{esc(t.title)}</a> by <span class=\"username\">{esc(t.posts[0].author)}</span> "
            f"&raquo; {phpbb_time(t.posts[0].posted_at)} <dd class=\"posts\">"
            f"{len(t.posts_at(week)) - 1} replies</dd></li>" for t in chunk)
        crumbs = f' &raquo; <a href="./viewforum.php?f={board_id}">{esc(title)}</a>'
        main = (f"<h2>{esc(title)}</h2>{pager(links, num)}<ul class=\"topiclist topics\">"
                f"{items or '<li>No topics</li>'}</ul>")
        out[href[1:]] = page(_frame(title, crumbs, main))


def _topic(out: dict[str, Page], thread: ForumThread, week: int) -> None:
    posts = thread.posts_at(week)
    board_title = dict(BOARDS["the-hive"])[thread.board]
    n = pages_of(list(posts), POSTS_PER_PAGE)
    links = [(i, f"./viewtopic.php?t={thread.thread_id}"
              + (f"&start={(i - 1) * POSTS_PER_PAGE}" if i > 1 else "")) for i in range(1, n + 1)]
    crumbs = (f' &raquo; <a href="./viewforum.php?f={thread.board}">{esc(board_title)}</a>')
    for num, href in links:
        chunk = posts[(num - 1) * POSTS_PER_PAGE: num * POSTS_PER_PAGE]
        body = "".join(_post(p, thread.title, p is posts[0]) for p in chunk)
        main = (f'<h2 class="topic-title"><a href="{esc(href)}">{esc(thread.title)}</a></h2>'
                f"{pager(links, num)}{body}{pager(links, num)}")
        out[href[1:]] = page(_frame(thread.title, crumbs, main))
