// test/helpers/chromium.ts: which binary, and a real launch with DESIGN's flags.
import { describe, expect, it } from 'vitest'
import { ChromiumNotFoundError, findChromium, launchChromium } from '../helpers/chromium.js'

describe('chromium helper', () => {
  it('refuses a CHROMIUM_PATH that is not an executable, naming it', () => {
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(ChromiumNotFoundError)
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(/CHROMIUM_PATH=\/nonexistent\/chromium/)
  })

  it('launches headless Chromium, which has IndexedDB', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      expect(await page.evaluate(() => typeof indexedDB)).toBe('object')
      expect(browser.version()).toMatch(/^\d+\./)
    } finally {
      await browser.close()
    }
  }, 60_000)
})
