"""Pages speak Vietnamese whatever the phone's language, unless the user picks English."""

from django.conf import settings


def test_a_phone_set_to_english_still_gets_vietnamese_pages(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert "Đăng nhập" in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_the_switch_at_the_foot_of_the_page_turns_the_pages_english_and_back(client):
    response = client.post("/language/", {"language": "en", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert ">Log in<" in client.get("/accounts/login/").content.decode()

    client.post("/language/", {"language": "vi", "next": "/accounts/login/"})
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()


def test_an_unknown_language_in_the_cookie_falls_back_to_vietnamese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()
