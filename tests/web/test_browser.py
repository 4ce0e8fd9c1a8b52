"""The web admin page in headless Chromium (Debian's chromium and
chromium-driver, driven by Selenium), with a film printed by DCMTK."""

import os

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import require_tool
from tests.net.test_dcmtk import print_with_dcmtk
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.dcmtk


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium; always quits."""
    chromium = require_tool("chromium", "chromium")
    driver_path = require_tool("chromedriver", "chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    arguments = [
        "--headless=new",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'chrome'}",
    ]
    for argument in arguments:
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium refuses root otherwise
    driver = webdriver.Chrome(
        options=options, service=Service(executable_path=driver_path)
    )
    try:
        yield driver
    finally:
        driver.quit()


def waiting(driver, timeout=30):
    """A wait that looks again when the refresh replaced the table."""
    return WebDriverWait(
        driver, timeout, poll_frequency=0.1,
        ignored_exceptions=[StaleElementReferenceException, NoSuchElementException],
    )  # fmt: skip


def row_state(driver, job_id):
    """The row's state, read in one script: the page's refresh can replace
    the row between a found element and a read of its attribute (Chromium
    then fails the read with a WebDriverException, not a stale element)."""
    return driver.execute_script(
        "const row = document.getElementById(arguments[0]);"
        "return row ? row.getAttribute('data-state') : null;",
        f"job-{job_id}",
    )


def press(driver, job_id, action):
    """Click a job's action button on the queue page."""

    def click(d):
        row = d.find_element(By.ID, f"job-{job_id}")
        row.find_element(By.CSS_SELECTOR, f'button[data-action="{action}"]').click()
        return True

    waiting(driver).until(click)


def thumbnails_loaded(driver, job_id):
    images = driver.find_elements(By.CSS_SELECTOR, f"#job-{job_id} img.thumb")
    widths = [driver.execute_script("return arguments[0].naturalWidth", i)
              for i in images]  # fmt: skip
    return widths if widths and all(w > 0 for w in widths) else None


def printer_action(driver, url, action):
    driver.get(f"{url}/printers")
    driver.find_element(By.CSS_SELECTOR, f'button[data-action="{action}"]').click()
    waiting(driver).until(lambda d: f"printer folder: {action}d" in d.page_source)


def test_queue_in_chromium(web_server, browser, tmp_path):
    url, spool = web_server.url, web_server.scp.spool

    # Log in; the queue is empty.
    browser.get(f"{url}/queue")
    assert "/login" in browser.current_url
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login").click()
    waiting(browser).until(lambda d: "No jobs in the spool." in d.page_source)

    # With the printer disabled, a film printed by DCMTK waits, pending;
    # the queue page shows it without being reloaded.
    printer_action(browser, url, "disable")
    browser.get(f"{url}/queue")
    print_with_dcmtk(web_server.dicom_port, tmp_path / "dcmtk", 2, 2)
    [first] = spool.job_ids()
    waiting(browser).until(lambda d: row_state(d, first) == "pending")
    row = browser.find_element(By.ID, f"job-{first}")
    assert "MODALITY" in row.text and "not rendered yet" in row.text

    press(browser, first, "hold")
    waiting(browser).until(lambda d: row_state(d, first) == "held")
    assert spool.summary(first)["state"] == "held"
    press(browser, first, "release")
    waiting(browser).until(lambda d: row_state(d, first) == "pending")

    # A reprint while the printer is off, cancelled.
    press(browser, first, "reprint")
    waiting(browser).until(lambda d: len(spool.job_ids()) == 2)
    second = spool.job_ids()[1]
    waiting(browser).until(lambda d: row_state(d, second) == "pending")
    press(browser, second, "cancel")
    waiting(browser).until(lambda d: row_state(d, second) == "cancelled")

    # The printer on again: the first job prints and shows its film.
    printer_action(browser, url, "enable")
    browser.get(f"{url}/queue")
    waiting(browser).until(lambda d: row_state(d, first) == "done")
    widths = waiting(browser).until(lambda d: thumbnails_loaded(d, first))
    assert widths == [132]  # 14INX17IN: 160 high, 14/17 as wide

    # A reprint of the printed job prints too.
    press(browser, first, "reprint")
    waiting(browser).until(lambda d: len(spool.job_ids()) == 3)
    third = spool.job_ids()[2]
    waiting(browser).until(lambda d: row_state(d, third) == "done")
    waiting(browser).until(lambda d: thumbnails_loaded(d, third))
    assert [spool.summary(j)["state"] for j in (first, second, third)] == [
        "done", "cancelled", "done",
    ]  # fmt: skip

    screenshot = tmp_path / "queue.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"queue page screenshot: {screenshot}")

    # The job's page: the film full size, and its history.
    browser.find_element(By.LINK_TEXT, first).click()
    film = waiting(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "img.film"))
    assert browser.execute_script("return arguments[0].naturalHeight", film) == 1024
    history = browser.find_element(By.CSS_SELECTOR, "table.history").text
    assert "held by web admin" in history and "released by web admin" in history
    assert "printed on folder" in history
    browser.save_screenshot(str(tmp_path / "job.png"))
