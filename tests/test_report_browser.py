"""The class report and a feedback page in a real browser (headless Chromium).

The test starts Chromium through Debian's chromedriver and selenium, loads
report.html of a graded synthetic class (with a student whose folder name and
exception message hold a <script>) and that student's feedback page, in the
light and the dark colour scheme, and checks: no console error (a blocked
inline script would log a Content-Security-Policy error), no script element,
no alert, every image loaded, and a screenshot of the right size that is not
blank. Without Chromium, chromedriver or selenium it skips, except under CI
(the CI environment variable set), where it fails: .ci/run installs them.
"""
import os
import shutil

import pytest

from autograder.outputs.names import safe_name
from helpers import import_or_skip
import synthetic_class

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 1280, 1800
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update',
                  '--disable-sync', '--disable-dev-shm-usage',
                  '--window-size=%d,%d' % (WIDTH, HEIGHT)]


def missing(reason):
    if os.environ.get('CI'):
        pytest.fail('%s: CI must provide it (.ci/run installs chromium, chromium-driver and '
                    'requirements.txt)' % reason)
    pytest.skip(reason)


def find_browser():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    webdriver = import_or_skip('selenium.webdriver')
    Service = import_or_skip('selenium.webdriver.chrome.service').Service
    binary = find_browser()
    if binary is None:
        missing('Chromium is not installed (apt-get install chromium)')
    driver_path = shutil.which('chromedriver') or (
        '/usr/bin/chromedriver' if os.path.exists('/usr/bin/chromedriver') else None)
    if driver_path is None:
        missing('chromedriver is not installed (apt-get install chromium-driver)')
    os.environ.setdefault('SE_OFFLINE', 'true')      # never let selenium fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument('--user-data-dir=%s' % tmp_path_factory.mktemp('chromium-profile'))
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def assert_not_blank(path, dark=False):
    """The screenshot has the viewport's size, many shades, and the scheme's background."""
    from PIL import Image
    with Image.open(path) as image:
        assert image.format == 'PNG' and image.size == (WIDTH, HEIGHT), image.size
        histogram = image.convert('L').histogram()
    assert sum(1 for count in histogram if count) > 20, 'the screenshot looks blank'
    mean = sum(level * count for level, count in enumerate(histogram)) / sum(histogram)
    assert (mean < 110) if dark else (mean > 150), (mean, dark)


def check_page(driver, path, shot, dark=False):
    from selenium.common.exceptions import NoAlertPresentException
    driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {
        'width': WIDTH, 'height': HEIGHT, 'deviceScaleFactor': 1, 'mobile': False})
    driver.execute_cdp_cmd('Emulation.setEmulatedMedia', {'features': [
        {'name': 'prefers-color-scheme', 'value': 'dark' if dark else 'light'}]})
    driver.get_log('browser')                          # drop earlier messages
    driver.get('file://' + str(path))
    assert driver.execute_script('return document.readyState') == 'complete'
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text
    errors = [entry for entry in driver.get_log('browser') if entry['level'] == 'SEVERE']
    assert errors == [], errors
    assert driver.execute_script('return document.scripts.length') == 0
    images = driver.execute_script(
        'return Array.from(document.images).map('
        'i => [i.complete, i.naturalWidth, i.currentSrc.slice(0, 22)])')
    assert all(done and width > 0 and src == 'data:image/png;base64,'
               for done, width, src in images), images
    driver.save_screenshot(str(shot))
    assert_not_blank(shot, dark)
    return images, driver.find_element('tag name', 'body').text


def test_report_and_feedback_pages_in_chromium(browser, report_class, tmp_path):
    out, planted = report_class
    images, text = check_page(browser, out / 'report.html', tmp_path / 'report-light.png')
    assert len(images) >= 3      # scores, checks, similarity (+ mistakes, times when recorded)
    assert synthetic_class.HOSTILE_NAME in text           # shown as text, not run
    assert 'A screening aid, not a verdict.' in text
    for copy, original in planted['copies'].items():
        assert copy in text and original in text
    dark_images, _text = check_page(browser, out / 'report.html', tmp_path / 'report-dark.png',
                                    dark=True)
    assert len(dark_images) == len(images)
    hostile = out / 'feedback' / (safe_name(synthetic_class.HOSTILE_NAME) + '.html')
    _images, text = check_page(browser, hostile, tmp_path / 'feedback.png')
    assert synthetic_class.SCRIPT in text
