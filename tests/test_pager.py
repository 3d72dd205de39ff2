"""Every paged list moves between pages without losing its search or filters."""

from html import unescape

from tests.factories import make_cells


def test_the_next_page_link_keeps_the_search(client, leader, committee):
    make_cells(60, committee, name="Chi bộ khu phố")
    client.force_login(leader)

    page = unescape(client.get("/cells/", {"q": "khu phố"}).text)

    assert 'href="?q=khu+ph%E1%BB%91&page=2"' in page
    assert client.get("/cells/", {"q": "khu phố", "page": 2}).text.count("list-group-item-action") == 10
